/**
 * The PartiQL editor: the selection, or everything, runs as one transaction (one statement or
 * several), each statement's result shown as a table or as Ion text with its read IOs and server
 * time; a refused statement aborts the transaction and is shown at its line and column.
 */
import type { dom } from 'ion-js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { inTransaction } from '../api/session';
import { Editor } from '../components/Editor';
import { ErrorBox, NeedLedger } from '../components/common';
import { ResultTable } from '../components/ResultTable';
import { useAction } from '../hooks';
import { loadHistory, remember, type HistoryEntry } from '../model/history';
import { prettyIon } from '../model/ion';
import { errorPosition, splitStatements, type EditorStatement } from '../model/statements';

interface Outcome {
  statement: EditorStatement;
  values: dom.Value[];
  readIOs?: number;
  serverMs?: number;
}

interface Failure {
  error: Error;
  statement?: EditorStatement;
  position?: { line: number; column: number };
}

const DRAFT = 'openqldb.draft';

export function Query({ ledger }: { ledger?: string }) {
  const [text, setText] = useState(() => sessionStorage.getItem(DRAFT) ?? 'SELECT * FROM information_schema.user_tables');
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [failure, setFailure] = useState<Failure>();
  const [view, setView] = useState<'table' | 'ion'>('table');
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  // counts finished runs, so that a watcher (the tests, a screen reader's live region) can tell a run ended
  const [runs, setRuns] = useState(0);
  const action = useAction();
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => setHistory(ledger ? loadHistory(ledger) : []), [ledger]);
  useEffect(() => sessionStorage.setItem(DRAFT, text), [text]);

  const run = () => {
    if (!ledger || action.busy) return;
    const el = area.current;
    const selected = el && el.selectionEnd > el.selectionStart ? text.slice(0, el.selectionEnd) : undefined;
    // a selection keeps its place in the editor: the text before it is blanked, not cut
    const source = selected === undefined ? text : selected.slice(0, el!.selectionStart).replace(/[^\n]/g, ' ') + selected.slice(el!.selectionStart);
    const statements = splitStatements(source);
    if (!statements.length) return;
    setFailure(undefined);
    setOutcomes([]);
    void action.run(async () => {
      const done: Outcome[] = [];
      let current: EditorStatement | undefined;
      try {
        await inTransaction(ledger, async (session) => {
          for (const statement of statements) {
            current = statement;
            const page = await session.executeAll(statement.text);
            done.push({ statement, values: page.values, readIOs: page.readIOs, serverMs: page.serverMs });
          }
          current = undefined;
        });
        setOutcomes(done);
      } catch (e) {
        setOutcomes(done);
        setFailure({ error: e as Error, statement: current, position: current && errorPosition((e as Error).message, current) });
      }
      setHistory(remember(ledger, statements.map((s) => s.text).join(';\n') + ';'));
      setRuns((n) => n + 1);
    });
  };

  return (
    <section class="query" data-test="query-runs" data-runs={runs}>
      <h1>Query editor</h1>
      <NeedLedger ledger={ledger} />
      <div class="query-layout">
        <div>
          <Editor value={text} onInput={setText} onRun={run} errorLine={failure?.position?.line} textareaRef={area} />
          <div class="toolbar">
            <button type="button" onClick={run} disabled={!ledger || action.busy} data-test="run">
              {action.busy ? 'Running…' : 'Run'}
            </button>
            <span class="hint">Ctrl+Enter runs the selection, or everything; several statements (ended by ;) run in one transaction.</span>
            <span class="spacer" />
            <label>
              <input type="radio" name="view" checked={view === 'table'} onChange={() => setView('table')} /> Table
            </label>
            <label>
              <input type="radio" name="view" checked={view === 'ion'} onChange={() => setView('ion')} data-test="view-ion" /> Ion
            </label>
          </div>
          {failure && (
            <div class="error" role="alert" data-test="query-error">
              {failure.statement && <div class="where">Statement at line {failure.statement.line} was refused; the transaction was aborted and nothing of it was committed.</div>}
              <ErrorBox error={failure.error} test="query-error-message" />
              {failure.position && (
                <div class="where" data-test="error-position">
                  at line {failure.position.line}, column {failure.position.column} of the editor
                </div>
              )}
            </div>
          )}
          {outcomes.map((o, i) => (
            <div class="outcome" key={i} data-test="outcome">
              <div class="outcome-head">
                <code>{o.statement.text.length > 120 ? o.statement.text.slice(0, 120) + '…' : o.statement.text}</code>
                <span class="stats" data-test="stats">
                  {o.values.length} document{o.values.length === 1 ? '' : 's'} · read IOs: {o.readIOs ?? 0} · server time: {o.serverMs ?? 0} ms
                </span>
              </div>
              {view === 'table' ? <ResultTable values={o.values} /> : <pre class="ion-text" data-test="ion-text">{prettyIon(o.values)}</pre>}
            </div>
          ))}
        </div>
        <aside class="history" data-test="history">
          <h2>History</h2>
          {!history.length && <p class="hint">Statements run on this ledger appear here (kept in this browser only).</p>}
          <ul>
            {history.map((h) => (
              <li key={h.at}>
                <button type="button" class="link" onClick={() => setText(h.text)} title={new Date(h.at).toLocaleString()}>
                  {h.text.length > 80 ? h.text.slice(0, 80) + '…' : h.text}
                </button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </section>
  );
}
