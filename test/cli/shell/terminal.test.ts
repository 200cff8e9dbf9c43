/**
 * `openqldb shell` on a real pseudo-terminal (tmux), against a live server: what a person
 * typing sees. The official driver, beside the shell, checks what was committed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { startServer, type TestServer } from '../../helpers/server';
import { createLedger, newDriver } from '../../clients/sessionHelpers';
import { shellEnv, TerminalShell } from './helpers';

const LEDGER = 'shell-tty';
const STATS = /\d+ documents? \(read IOs: \d+, server time: \d+ ms, total time: \d+ ms\)/;
const CONTINUATION = /^ *->/m;

let server: TestServer;
let driver: QldbDriver;
let dir: string;
const shells: TerminalShell[] = [];

async function select(statement: string): Promise<Record<string, unknown>[]> {
  const r = await driver.executeLambda((t) => t.execute(statement));
  return r.getResultList().map((v) => JSON.parse(JSON.stringify(v)));
}

async function openShell(historyFile: string): Promise<TerminalShell> {
  const t = await TerminalShell.start(['--ledger', LEDGER, '--endpoint', server.endpoint], shellEnv({ OPENQLDB_SHELL_HISTORY: historyFile }));
  shells.push(t);
  return t;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openqldb-shell-tty-'));
  server = await startServer(['--log-requests', 'false']);
  await createLedger(server.endpoint, LEDGER);
  driver = newDriver(server.endpoint, LEDGER);
  for (const table of ['People', 'Accounts', 'Drafts', 'Balances', 'Formats', 'Notes']) await driver.executeLambda((t) => t.execute(`CREATE TABLE ${table}`));
  await driver.executeLambda(async (t) => {
    await t.execute(`INSERT INTO People {'name': 'Ada;', 'n': 1}`);
    await t.execute(`INSERT INTO Balances {'id': 'x', 'v': 0}`);
    await t.execute('INSERT INTO Formats `{k: "a", amount: 1.50}`');
  });
});

after(async () => {
  for (const t of shells) t.kill();
  driver?.close();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('one interactive session', () => {
  let term: TerminalShell;
  before(async () => {
    term = await openShell(join(dir, 'session_history'));
  });

  it('runs a statement typed over several lines once a line ends with ; (a ; inside a string does not end it)', async () => {
    await term.enter('SELECT name, n', CONTINUATION);
    await term.enter('FROM People', CONTINUATION);
    await term.enter("WHERE name = 'Ada;'", CONTINUATION);
    await term.enter('AND n = 1;', STATS);
    assert.match(term.after('AND n = 1;'), /^\[\n {2}\{\n {4}name: "Ada;",\n {4}n: 1\n {2}\}\n\]\n1 document \(/);
  });

  it('up-arrow brings the whole previous statement back on one line; Ctrl-C cancels it', async () => {
    term.press('Up');
    await term.waitFor(/^shell-tty> SELECT name, n FROM People WHERE name = 'Ada;' AND n = 1;$/m);
    term.press('C-c');
    await term.waitFor(/AND n = 1;\^C\nshell-tty>$/);
    await term.enter(`SELECT VALUE n FROM People;`, STATS);
    assert.match(term.after('SELECT VALUE n FROM People;'), /^\[\n {2}1\n\]\n1 document/);
  });

  it('BEGIN … COMMIT runs statements in one transaction that others see only once committed', async () => {
    await term.enter('BEGIN', /transaction \w+ started/);
    await term.enter(`INSERT INTO Accounts {'id': 1};`, STATS);
    await term.enter(`INSERT INTO Accounts {'id': 2};`, STATS);
    assert.match(term.currentLine(), /^shell-tty \*>$/, 'the prompt shows the open transaction');
    assert.deepEqual(await select('SELECT * FROM Accounts'), []);
    await term.enter('COMMIT;', /transaction \w+ committed \(server time: \d+ ms/);
    assert.deepEqual((await select('SELECT id FROM Accounts')).map((r) => r.id).sort(), [1, 2]);
    assert.equal(term.currentLine(), 'shell-tty>');
  });

  it('ABORT (\\abort) leaves nothing behind', async () => {
    await term.enter('\\begin', /transaction \w+ started/);
    await term.enter(`INSERT INTO Drafts {'title': 'never'};`, STATS);
    await term.enter('\\abort', /transaction \w+ aborted; nothing of it was committed/);
    assert.deepEqual(await select('SELECT * FROM Drafts'), []);
    assert.equal(term.currentLine(), 'shell-tty>');
  });

  it('an OCC conflict at COMMIT is reported, not retried, and ends the transaction', async () => {
    await term.enter('BEGIN', /transaction \w+ started/);
    await term.enter(`SELECT v FROM Balances WHERE id = 'x';`, STATS);
    // someone else changes the document this transaction has read
    await driver.executeLambda((t) => t.execute(`UPDATE Balances SET v = 1 WHERE id = 'x'`));
    await term.enter(`UPDATE Balances SET v = 100 WHERE id = 'x';`, STATS);
    const screen = await term.enter('COMMIT', /error: OccConflictException: .*\(transaction \w+ is over; nothing of it was committed\)/);
    assert.doesNotMatch(screen.slice(screen.lastIndexOf('COMMIT')), /committed \(server time/);
    assert.equal(term.currentLine(), 'shell-tty>');
    assert.deepEqual(await select(`SELECT v FROM Balances WHERE id = 'x'`), [{ v: 1 }]);
  });

  it('\\format switches between table, json and ion', async () => {
    await term.enter('\\format table', /output format: table/);
    await term.enter('SELECT k, amount FROM Formats;', STATS);
    assert.match(term.after('SELECT k, amount FROM Formats;'), /^k {2}amount\n- {2}-{6}\na {2}1\.50\n/);
    await term.enter('\\format json', /output format: json/);
    await term.enter('SELECT k, amount FROM Formats;', STATS);
    assert.match(term.after('SELECT k, amount FROM Formats;'), /^\[\{"k":"a","amount":1\.50\}\]\n/);
    await term.enter('\\format ion', /output format: ion/);
    await term.enter('SELECT k, amount FROM Formats;', STATS);
    assert.match(term.after('SELECT k, amount FROM Formats;'), /^\[\n {2}\{\n {4}k: "a",\n {4}amount: 1\.50\n/);
    await term.enter('\\format yaml', /error: \\format takes one of ion, table, json, got 'yaml'/);
  });

  it('Ctrl-C on an empty prompt in a transaction says what a second one does; the second leaves, aborting aloud', async () => {
    await term.enter('BEGIN', /transaction \w+ started/);
    await term.enter(`INSERT INTO Notes {'text': 'lost'};`, STATS);
    term.press('C-c');
    await term.waitFor(/\(transaction \w+ is open: COMMIT or ABORT it; Ctrl-C again or Ctrl-D leaves and aborts it\)\nshell-tty \*>$/);
    term.press('C-c');
    const screen = await term.waitFor(/\[shell exited 0\]/);
    assert.match(screen, /leaving: aborting the open transaction \w+; nothing of it was committed\n\[shell exited 0\]/);
    assert.deepEqual(await select('SELECT * FROM Notes'), []);
  });
});

describe('leaving and coming back', () => {
  it('history survives a restart: up-arrow recalls the last run’s statement from the same file', async () => {
    const file = join(dir, 'restart_history');
    const first = await openShell(file);
    await first.enter('SELECT COUNT(*) AS c FROM People;', STATS);
    first.press('C-d');
    await first.waitFor(/\[shell exited 0\]/);
    assert.match(readFileSync(file, 'utf8'), /^SELECT COUNT\(\*\) AS c FROM People;$/m);

    const second = await openShell(file);
    second.press('Up');
    await second.waitFor(/^shell-tty> SELECT COUNT\(\*\) AS c FROM People;$/m);
  });

  it('Ctrl-D with an open transaction aborts it and says so', async () => {
    const term = await openShell(join(dir, 'ctrl_d_history'));
    await term.enter('BEGIN', /transaction (\w+) started/);
    const id = /transaction (\w+) started/.exec(term.screen())![1];
    await term.enter(`INSERT INTO Drafts {'title': 'unsaved'};`, STATS);
    term.press('C-d');
    const screen = await term.waitFor(/\[shell exited 0\]/);
    assert.match(screen, new RegExp(`leaving: aborting the open transaction ${id}; nothing of it was committed`));
    assert.deepEqual(await select('SELECT * FROM Drafts'), []);
  });
});
