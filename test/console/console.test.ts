/**
 * The console end to end in a real headless Chromium against a live server: the pages a QLDB
 * console user knows, with real data, under --auth off and under --auth strict with a key typed
 * into the console; and throughout, no request leaves the server's origin and nothing is logged
 * as an error. The --auth off run writes the README's screenshots (docs/console/*.png).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { startKinesis, type TestKinesis } from '../helpers/kinesis';
import { fill, launchBrowser, textOf, watchedPage, type WatchedPage } from './browser';
import {
  activity,
  createLedger,
  documentHistory,
  exportToCompletion,
  fillTableFromEditor,
  open,
  pageThroughTable,
  redactedRevision,
  refusedDelete,
  runSelection,
  SHOTS,
  saveEarlyDigest,
  streamsListed,
  syntaxError,
  tablesPage,
  updateAndDelete,
  verifyRevision,
  type FlowState,
} from './flow';

// page functions run in the browser; the test build has no DOM types
declare const document: any, sessionStorage: any, localStorage: any;

const KEY = { accessKeyId: 'AKIDCONSOLEKEY', secretAccessKey: 'console-secret-key', accountId: '111122223333' };

function clean(w: WatchedPage | undefined, origin: string): void {
  assert.ok(w && w.requests.length > 0);
  assert.deepEqual(w.foreign, [], `requests outside ${origin}`);
  assert.deepEqual(w.errors, [], 'console errors');
}

describe('the console in headless Chromium', { timeout: 240_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  describe('with --auth off', () => {
    let server: TestServer;
    let kinesis: TestKinesis;
    let w: WatchedPage;
    let s: FlowState;
    before(async () => {
      kinesis = await startKinesis();
      const kinesisStreamArn = await kinesis.createStream('console');
      server = await startServer([
        '--log-requests', 'false', '--ledger-state-delay', '1s',
        '--kinesis-endpoint', kinesis.endpoint, '--kinesis-access-key-id', 'kinesalite', '--kinesis-secret-access-key', 'kinesalite',
      ]);
      w = await watchedPage(browser, server.endpoint);
      mkdirSync(SHOTS, { recursive: true });
      s = { base: server.endpoint, ledger: 'audit', credentials: testCredentials, screenshots: true, kinesisStreamArn };
    });
    after(async () => {
      await w?.page.close();
      await server?.dispose();
      await kinesis?.close();
    });

    it('creates a ledger from the form and shows it ACTIVE with its settings once it settles', () => createLedger(w.page, s));
    it('creates a table and an index and inserts documents from the query editor, and shows the rows as a table and as Ion', () =>
      fillTableFromEditor(w.page, s));
    it('shows a syntax error at its line and column in the editor, and aborts the transaction', () => syntaxError(w.page, s));
    it('runs only the selected statement when there is a selection', () => runSelection(w.page, s));
    it('lists tables with their indexes and document counts, and pages through a table', async () => {
      await tablesPage(w.page, s);
      await saveEarlyDigest(w.page, s);
      await pageThroughTable(w.page, s);
    });
    it("shows a document's revisions after two updates and a delete, with what changed", () => documentHistory(w.page, s));
    it('verifies a revision and its block against the current digest, drawing the proof, and fails it against a digest saved before it existed', () =>
      verifyRevision(w.page, s));
    it('marks a redacted revision in the history, and verifies it from its dataHash', () => redactedRevision(w.page, s));
    it('refuses to delete a ledger under deletion protection and says why', () => refusedDelete(w.page, s));
    it('updates a ledger and deletes it once its deletion protection is off', () => updateAndDelete(w.page, s));
    it('starts an export from the form and watches it reach COMPLETED', () => exportToCompletion(w.page, s));
    it("lists the ledger's journal streams under its exports, with their status", () => streamsListed(w.page, s));
    it('charts commits per second and journal length from the metrics and digests', () => activity(w.page, s));
    it('sent no request outside its origin and logged no error', () => clean(w, server.endpoint));
  });

  describe('with --auth strict', () => {
    let server: TestServer;
    let w: WatchedPage;
    let s: FlowState;
    before(async () => {
      server = await startServer(['--auth', 'strict', '--log-requests', 'false', '--ledger-state-delay', '1s'], {
        env: { OPENQLDB_ACCESS_KEY_ID: KEY.accessKeyId, OPENQLDB_SECRET_ACCESS_KEY: KEY.secretAccessKey, OPENQLDB_ACCOUNT_ID: KEY.accountId },
      });
      w = await watchedPage(browser, server.endpoint);
      s = { base: server.endpoint, ledger: 'audit-strict', credentials: KEY };
    });
    after(async () => {
      await w?.page.close();
      await server?.dispose();
    });

    const signIn = async (secret: string) => {
      await w.page.waitForSelector('[data-test=login]');
      await fill(w.page, 'input[name=accessKeyId]', KEY.accessKeyId);
      await fill(w.page, 'input[name=secretAccessKey]', secret);
      await w.page.click('[data-test=login-submit]');
    };

    it('asks for a key, and refuses a wrong secret with AWS’s error', async () => {
      await open(w.page, s, '');
      await w.page.waitForSelector('[data-test=login]');
      await w.page.screenshot({ path: `${SHOTS}/login.png` });
      await signIn('not-the-secret');
      await w.page.waitForSelector('[data-test=login-error]');
      assert.match(await textOf(w.page, '[data-test=login-error]'), /^InvalidSignatureException: The request signature we calculated does not match/);
      assert.equal(await w.page.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept');
    });

    it('signs every request with the key entered, kept in session storage only, and runs the whole flow', async () => {
      await signIn(KEY.secretAccessKey);
      await w.page.waitForSelector('[data-test=page-ledgers]');
      const stored = await w.page.evaluate(() => ({ session: JSON.stringify({ ...sessionStorage }), local: JSON.stringify({ ...localStorage }), cookie: document.cookie }));
      assert.ok(stored.session.includes(KEY.secretAccessKey));
      assert.ok(!stored.local.includes(KEY.secretAccessKey) && !stored.cookie.includes(KEY.secretAccessKey));
      await createLedger(w.page, s);
      await fillTableFromEditor(w.page, s);
      await syntaxError(w.page, s);
      await tablesPage(w.page, s);
      await saveEarlyDigest(w.page, s);
      await documentHistory(w.page, s);
      await verifyRevision(w.page, s);
      await exportToCompletion(w.page, s);
      await activity(w.page, s);
    });

    it('sent no request outside its origin and logged no error', () => clean(w, server.endpoint));
  });
});
