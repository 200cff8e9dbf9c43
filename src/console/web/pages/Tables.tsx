/** Tables with their indexes and document counts; a table's documents page by page, as the server pages them. */
import type { dom } from 'ion-js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { inTransaction, Session, type Page } from '../api/session';
import { ErrorBox, ListTable, NeedLedger } from '../components/common';
import { IonTree } from '../components/IonTree';
import { useAction, useLoad } from '../hooks';
import { cellText } from '../model/ion';
import { countStatement, documentsStatement, tablesStatement } from '../model/partiql';
import { href } from '../route';

interface TableRow {
  name: string;
  tableId: string;
  status: string;
  indexes: { expr: string; status: string }[];
  documents?: number;
}

async function loadTables(ledger: string): Promise<TableRow[]> {
  return inTransaction(ledger, async (s) => {
    const rows = (await s.executeAll(tablesStatement)).values.map((v) => ({
      name: v.get('name')?.stringValue() ?? '',
      tableId: v.get('tableId')?.stringValue() ?? '',
      status: v.get('status')?.stringValue() ?? '',
      indexes: (v.get('indexes')?.elements() ?? []).map((ix) => ({ expr: ix.get('expr')?.stringValue() ?? '', status: ix.get('status')?.stringValue() ?? '' })),
    })) as TableRow[];
    for (const t of rows) if (t.status === 'ACTIVE') t.documents = Number((await s.executeAll(countStatement(t.name))).values[0]?.get('documents')?.numberValue());
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  });
}

export function Tables({ ledger, params }: { ledger?: string; params: Record<string, string> }) {
  const tables = useLoad(() => (ledger ? loadTables(ledger) : Promise.resolve([])), [ledger]);
  return (
    <section>
      <h1>Tables</h1>
      <NeedLedger ledger={ledger} />
      <ErrorBox error={tables.error} />
      <ListTable test="tables" columns={['Table', 'Status', 'Documents', 'Indexes', 'Table id']}>
          {tables.data?.map((t) => (
            <tr key={t.tableId} data-test={`table-${t.name}`}>
              <td>{t.status === 'ACTIVE' ? <a href={href('tables', { ledger, table: t.name })}>{t.name}</a> : t.name}</td>
              <td>{t.status}</td>
              <td data-test="count">{t.documents ?? '—'}</td>
              <td data-test="indexes">{t.indexes.map((ix) => `${ix.expr}${ix.status === 'ONLINE' ? '' : ` (${ix.status})`}`).join(', ') || '—'}</td>
              <td>
                <code>{t.tableId}</code>
              </td>
            </tr>
          ))}
      </ListTable>
      {tables.data && !tables.data.length && ledger && <p class="hint">No tables yet: CREATE TABLE in the query editor.</p>}
      {ledger && params.table && <Documents key={`${ledger}/${params.table}`} ledger={ledger} table={params.table} />}
    </section>
  );
}

/**
 * One open transaction walks the result with the server's page tokens; pages already read are
 * kept, so Previous costs nothing. A transaction lives 30 s on QLDB: a later Next starts over.
 */
function Documents({ ledger, table }: { ledger: string; table: string }) {
  const [pages, setPages] = useState<Page[]>([]);
  const [at, setAt] = useState(0);
  const session = useRef<Session | undefined>(undefined);
  const action = useAction();
  const start = () =>
    action.run(async () => {
      await session.current?.end();
      const s = new Session(ledger);
      session.current = s;
      await s.begin();
      setPages([await s.execute(documentsStatement(table))]);
      setAt(0);
    });
  useEffect(() => {
    void start();
    return () => void session.current?.end();
  }, []);
  const next = () =>
    action.run(async () => {
      if (at + 1 < pages.length) return setAt(at + 1);
      const page = await session.current!.fetchPage(pages[at].nextPageToken!);
      setPages([...pages, page]);
      setAt(at + 1);
    });
  const page = pages[at];
  return (
    <div class="card" data-test="documents">
      <h2>
        {table}: page {at + 1}
      </h2>
      <ErrorBox error={action.error} />
      {action.error && (
        <button type="button" onClick={() => void start()}>
          Start over
        </button>
      )}
      {page && <DocumentList ledger={ledger} table={table} values={page.values} />}
      <div class="toolbar">
        <button type="button" disabled={at === 0 || action.busy} onClick={() => setAt(at - 1)}>
          Previous
        </button>
        <button type="button" disabled={!page?.nextPageToken || action.busy} onClick={() => void next()} data-test="next-page">
          Next
        </button>
      </div>
    </div>
  );
}

function DocumentList({ ledger, table, values }: { ledger: string; table: string; values: dom.Value[] }) {
  if (!values.length) return <p class="hint">No documents.</p>;
  return (
    <table class="results">
      <thead>
        <tr>
          <th>Document id</th>
          <th>Version</th>
          <th>Data</th>
        </tr>
      </thead>
      <tbody>
        {values.map((v) => {
          const id = v.get('id')?.stringValue() ?? '';
          return (
            <tr key={id} data-test="document">
              <td>
                <a href={href('history', { ledger, table, id })} title="history">
                  <code>{id}</code>
                </a>
              </td>
              <td>{v.get('version') ? cellText(v.get('version')!) : ''}</td>
              <td>{v.get('data') && <IonTree value={v.get('data')!} />}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
