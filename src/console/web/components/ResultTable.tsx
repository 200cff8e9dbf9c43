/** Values as a table: a column per top-level field of struct results, one `value` column otherwise. */
import { dom, IonTypes } from 'ion-js';
import { IonTree } from './IonTree';

export function columnsOf(values: readonly dom.Value[]): string[] | undefined {
  if (!values.every((v) => v.getType() === IonTypes.STRUCT && !v.isNull())) return undefined;
  const columns = new Set<string>();
  for (const v of values) for (const name of v.fieldNames()) columns.add(name);
  return [...columns];
}

/** Rows drawn at most: a browser table of many thousands of expandable cells stops responding. */
const SHOWN = 1000;

export function ResultTable({ values: all }: { values: readonly dom.Value[] }) {
  if (!all.length) return <p class="hint">No documents.</p>;
  const values = all.slice(0, SHOWN);
  const columns = columnsOf(values);
  return (
    <>
      {all.length > SHOWN && <p class="hint">The first {SHOWN} of {all.length} documents; the Ion view shows them all.</p>}
      <table class="results" data-test="results">
        <thead>
          <tr>{(columns ?? ['value']).map((c) => <th key={c}>{c}</th>)}</tr>
        </thead>
        <tbody>
          {values.map((v, i) => (
            <tr key={i}>
              {columns ? (
                columns.map((c) => {
                  const f = v.get(c);
                  return <td key={c}>{f ? <IonTree value={f} /> : <span class="missing">—</span>}</td>;
                })
              ) : (
                <td>
                  <IonTree value={v} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
