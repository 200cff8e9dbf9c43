/** A document's revisions from history(), the change from each version to the next, deletes and redactions marked. */
import { useEffect, useState } from 'preact/hooks';
import { inTransaction } from '../api/session';
import { ErrorBox, Field, NeedLedger } from '../components/common';
import { IonTree } from '../components/IonTree';
import { useAction } from '../hooks';
import { blockAddressText } from '../model/ion';
import { historyStatement } from '../model/partiql';
import { revisionsOf, type Revision } from '../model/revisions';
import { href, navigate } from '../route';

export function History({ ledger, params }: { ledger?: string; params: Record<string, string> }) {
  const [table, setTable] = useState(params.table ?? '');
  const [id, setId] = useState(params.id ?? '');
  const [revisions, setRevisions] = useState<Revision[]>();
  const action = useAction();
  useEffect(() => {
    setTable(params.table ?? '');
    setId(params.id ?? '');
    setRevisions(undefined);
    if (!ledger || !params.table || !params.id) return;
    void action.run(async () => {
      const rows = await inTransaction(ledger, async (s) => (await s.executeAll(historyStatement(params.table, params.id))).values);
      setRevisions(revisionsOf(rows));
    });
  }, [ledger, params.table, params.id]);
  return (
    <section>
      <h1>Document history</h1>
      <NeedLedger ledger={ledger} />
      <form
        class="card row"
        onSubmit={(e) => {
          e.preventDefault();
          navigate('history', { ledger, table, id });
        }}
      >
        <Field label="Table">
          <input name="table" required value={table} onInput={(e) => setTable((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="Document id">
          <input name="id" required pattern="[A-Za-z0-9]{22}" size={26} value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />
        </Field>
        <button type="submit" disabled={!ledger} data-test="history-submit">
          Show history
        </button>
      </form>
      <ErrorBox error={action.error} />
      {revisions && !revisions.length && <p class="hint">No revisions: the table holds no document with this id.</p>}
      <ol class="revisions" data-test="revisions">
        {revisions?.map((r) => (
          <li key={r.version} class={`revision revision-${r.status}`} data-test="revision" data-status={r.status}>
            <div class="revision-head">
              <strong>version {r.version}</strong>
              {r.status !== 'live' && <span class={`badge badge-${r.status}`}>{r.status}</span>}
              <span>{r.txTime}</span>
              <span class="hint">transaction {r.txId}</span>
              {r.blockAddress && (
                <a
                  class="small-link"
                  data-test="verify-revision"
                  href={href('verify', { ledger, kind: 'revision', id: params.id, address: blockAddressText(r.blockAddress) })}
                >
                  Verify
                </a>
              )}
            </div>
            {r.status === 'live' && r.data && <IonTree value={r.data} open />}
            {r.status === 'redacted' && <p class="hint">The data of this revision was redacted; its hash remains in the journal.</p>}
            {r.status === 'deleted' && <p class="hint">The document was deleted in this revision.</p>}
            {r.changes.length > 0 && r.version > 0 && (
              <table class="diff" data-test="diff">
                <tbody>
                  {r.changes.map((c) => (
                    <tr key={c.path} class={`change-${c.kind}`}>
                      <td>{c.kind}</td>
                      <td>
                        <code>{c.path || '(document)'}</code>
                      </td>
                      <td>
                        <del>{c.before}</del>
                      </td>
                      <td>
                        <ins>{c.after}</ins>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
