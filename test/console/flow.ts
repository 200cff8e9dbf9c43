/**
 * The console's whole flow as a user clicks through it, one step per function, so that the
 * same steps run under --auth off and --auth strict. Each step asserts what the page shows.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { CancelJournalKinesisStreamCommand, QLDBClient, StreamJournalToKinesisCommand } from '@aws-sdk/client-qldb';
import type { Page } from 'puppeteer-core';
import { fill, textOf, textsOf } from './browser';

// page functions run in the browser; the test build has no DOM types
declare const document: any;

/** Where the README's screenshots are written (committed, refreshed by every run). */
export const SHOTS = join(__dirname, '..', '..', '..', 'docs', 'console');

export interface FlowState {
  base: string;
  ledger: string;
  documentId?: string;
  /** GetDigest's JSON as the page showed it, taken before the document was changed */
  earlyDigest?: string;
  /** Person's table id, as the Tables page lists it */
  tableId?: string;
  /** the key the official driver signs with beside the console */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** when set, screenshots of the main pages go to SHOTS */
  screenshots?: boolean;
  /** a Kinesis stream the server can write journal streams to */
  kinesisStreamArn?: string;
}

async function shot(page: Page, s: FlowState, name: string): Promise<void> {
  if (s.screenshots) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Goes to a page of the console: once loaded, the console moves between pages by the URL's hash, without reloading. */
export async function open(page: Page, s: FlowState, hash: string): Promise<void> {
  await page.goto(`${s.base}/console/${hash}`, { waitUntil: 'load' });
  await page.waitForSelector('main, [data-test=login]');
}

/** Runs the editor's whole text; `outcomes` statements succeed, and then one is `refused` or none. */
export async function run(page: Page, text: string, outcomes: number, refused = false): Promise<void> {
  await fill(page, '[data-test=editor]', text);
  const runs = await page.$eval('[data-test=query-runs]', (e) => Number(e.getAttribute('data-runs')));
  await page.click('[data-test=run]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-test=query-runs]')?.getAttribute('data-runs')) > n, { timeout: 15_000 }, runs);
  const error = await page.$('[data-test=query-error]');
  if (error && !refused) assert.fail(`the editor showed an error: ${await textOf(page, '[data-test=query-error]')}`);
  assert.equal(!!error, refused, 'the statement was refused');
  assert.equal((await page.$$('[data-test=outcome]')).length, outcomes);
}

export async function createLedger(page: Page, s: FlowState): Promise<void> {
  await open(page, s, '#/ledgers');
  await page.type('[data-test=create-ledger] input[name=name]', s.ledger);
  await page.type('[data-test=create-ledger] textarea[name=tags]', 'team=audit');
  await page.click('[data-test=create-ledger-submit]');
  // the servers here keep a new ledger CREATING for a second: the list refreshes itself until it is ACTIVE
  await page.waitForSelector(`[data-test=ledger-${s.ledger}] .state-ACTIVE`, { timeout: 10_000 });
  const row = await textOf(page, `[data-test=ledger-${s.ledger}]`);
  assert.match(row, new RegExp(`${s.ledger}\\s+ACTIVE\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+STANDARD\\s+on`));
  await shot(page, s, 'ledgers');
}

export async function fillTableFromEditor(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/query?ledger=${s.ledger}`);
  await run(
    page,
    [
      'CREATE TABLE Person;',
      'CREATE INDEX ON Person (GovId);',
      'INSERT INTO Person `{GovId: "P1", name: "Ada", born: 1815-12-10T, tags: [math, poetry]}`;',
      "INSERT INTO Person {'GovId': 'P2', 'name': 'Charles', 'address': {'city': 'London'}};",
      "SELECT * FROM Person AS p WHERE p.GovId IN ('P1', 'P2')",
    ].join('\n'),
    5,
  );
  const stats = await textsOf(page, '[data-test=stats]');
  assert.equal(stats.length, 5);
  assert.match(stats[4], /^2 documents · read IOs: \d+ · server time: \d+ ms$/);
  const results = await page.$$('[data-test=outcome]');
  const documentId = (await results[2].$eval('[data-test=results] tbody td', (e) => (e as any).innerText as string)).trim();
  assert.match(documentId, /^[A-Za-z0-9]{22}$/);
  s.documentId = documentId;
  const rows = await results[4].$$eval('[data-test=results] tbody tr', (trs) => trs.map((tr) => (tr as any).innerText.replace(/\s+/g, ' ').trim()));
  assert.deepEqual(rows.sort(), ['P1 Ada 1815-12-10T […2] —', 'P2 Charles — — {…1}']);
  // a nested value opens on a click
  await results[4].$eval('[data-test=expand]', (b) => (b as any).click());
  assert.match(await results[4].$eval('[data-test=results]', (e) => (e as any).innerText), /math\s+poetry|London/);
  await shot(page, s, 'query');
  await page.click('[data-test=view-ion]');
  const ion = await results[4].$eval('[data-test=ion-text]', (e) => (e as any).innerText);
  assert.match(ion, /GovId: "P1"/);
  assert.match(ion, /born: 1815-12-10T/);
  await page.$eval('input[name=view]', (e) => (e as any).click());
}

/** A refused statement after a good one: the error names its line and column in the editor, and the transaction is aborted. */
export async function syntaxError(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/query?ledger=${s.ledger}`);
  const line2 = "  INSERT INTO Person {'GovId': 'P3'}; SELECT * FROM Person WHERE GovId = = 'P1'";
  await run(page, `SELECT COUNT(*) FROM Person;\n${line2}`, 2, true);
  const error = await textOf(page, '[data-test=query-error]');
  assert.match(error, /BadRequestException: .*at line 1, column \d+/);
  const column = line2.indexOf('= =') + 3;
  assert.equal(await textOf(page, '[data-test=error-position]'), `at line 2, column ${column} of the editor`);
  assert.match(error, /Statement at line 2 was refused; the transaction was aborted/);
  assert.deepEqual(await textsOf(page, '.gutter .error-line'), ['2']);
  // the INSERT before it was not committed
  await run(page, "SELECT * FROM Person WHERE GovId = 'P3'", 1);
  assert.match(await textOf(page, '[data-test=stats]'), /^0 documents/);
  const history = await textsOf(page, '[data-test=history] li');
  assert.equal(history[0], "SELECT * FROM Person WHERE GovId = 'P3';");
}

/** With a selection, Run runs only the selected statement. */
export async function runSelection(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/query?ledger=${s.ledger}`);
  const text = "SELECT * FROM Person WHERE GovId = 'P1';\nSELECT name FROM Person WHERE GovId = 'P2';";
  await fill(page, '[data-test=editor]', text);
  await page.$eval('[data-test=editor]', (el, from) => (el as any).setSelectionRange(from, from + 42), text.indexOf('SELECT name'));
  const runs = await page.$eval('[data-test=query-runs]', (e) => Number(e.getAttribute('data-runs')));
  await page.click('[data-test=run]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-test=query-runs]')?.getAttribute('data-runs')) > n, { timeout: 15_000 }, runs);
  const outcomes = await textsOf(page, '[data-test=outcome]');
  assert.equal(outcomes.length, 1);
  assert.match(outcomes[0], /^SELECT name FROM Person WHERE GovId = 'P2'[\s\S]*name\s+Charles$/);
}

export async function tablesPage(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/tables?ledger=${s.ledger}`);
  await page.waitForSelector('[data-test=table-Person] [data-test=count]');
  const row = await textOf(page, '[data-test=table-Person]');
  assert.match(row, /^Person\s+ACTIVE\s+2\s+\[GovId\]\s+[A-Za-z0-9]{22}$/);
  s.tableId = /[A-Za-z0-9]{22}$/.exec(row)![0];
  await page.click('[data-test=table-Person] a');
  await page.waitForSelector('[data-test=document]');
  const docs = await textsOf(page, '[data-test=document]');
  assert.equal(docs.length, 2);
  assert.ok(docs.some((d) => d.startsWith(s.documentId!)), docs.join('\n'));
  await shot(page, s, 'tables');
}

/** More documents than the server's page of 200 (QLDB writes at most 40 a transaction): Next reads the next page. */
export async function pageThroughTable(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/query?ledger=${s.ledger}`);
  await run(page, 'CREATE TABLE Bulk', 1);
  for (let batch = 0; batch < 6; batch++) {
    const docs = Array.from({ length: 40 }, (_, i) => `{'n': ${batch * 40 + i}}`).join(', ');
    await run(page, `INSERT INTO Bulk << ${docs} >>`, 1);
  }
  await open(page, s, `#/tables?ledger=${s.ledger}`);
  await page.waitForSelector('[data-test=table-Bulk] [data-test=count]');
  assert.match(await textOf(page, '[data-test=table-Bulk] [data-test=count]'), /^240$/);
  await open(page, s, `#/tables?ledger=${s.ledger}&table=Bulk`);
  await page.waitForSelector('[data-test=document]');
  assert.equal((await textsOf(page, '[data-test=document]')).length, 200);
  await page.click('[data-test=next-page]');
  await page.waitForFunction(() => document.querySelectorAll('[data-test=document]').length === 40, { timeout: 10_000 });
  assert.match(await textOf(page, '[data-test=documents] h2'), /^Bulk: page 2$/);
  assert.equal(await page.$eval('[data-test=next-page]', (b) => (b as any).disabled), true, 'the last page has no next');
}

export async function saveEarlyDigest(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/verify?ledger=${s.ledger}`);
  await page.click('[data-test=get-digest]');
  await page.waitForSelector('[data-test=digest-json]');
  const saved = await textOf(page, '[data-test=digest-json]');
  assert.match(JSON.parse(saved).Digest, /^[A-Za-z0-9+/]{43}=$/);
  s.earlyDigest = saved;
}

/** Two updates and a delete, each its own transaction, then the document's history. */
export async function documentHistory(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/query?ledger=${s.ledger}`);
  await run(page, "UPDATE Person SET age = 36 WHERE GovId = 'P1'", 1);
  await run(page, "UPDATE Person SET name = 'Ada Lovelace' WHERE GovId = 'P1'", 1);
  await run(page, "DELETE FROM Person WHERE GovId = 'P1'", 1);
  await open(page, s, `#/tables?ledger=${s.ledger}&table=Person`);
  await page.waitForSelector('[data-test=document]');
  assert.equal((await textsOf(page, '[data-test=document]')).length, 1);
  await open(page, s, `#/history?ledger=${s.ledger}&table=Person&id=${s.documentId}`);
  await page.waitForSelector('[data-test=revision]');
  const revisions = await page.$$eval('[data-test=revision]', (lis) =>
    lis.map((li) => ({
      status: li.getAttribute('data-status'),
      head: (li.querySelector('.revision-head') as any).innerText as string,
      diff: ((li.querySelector('[data-test=diff]') as any)?.innerText ?? '') as string,
    })),
  );
  assert.deepEqual(revisions.map((r) => r.status), ['live', 'live', 'live', 'deleted']);
  assert.deepEqual(revisions.map((r) => /version (\d)/.exec(r.head)![1]), ['0', '1', '2', '3']);
  for (const r of revisions) assert.match(r.head, /\d{4}-\d\d-\d\dT[\d:.]+Z\s+transaction [A-Za-z0-9]{22}/);
  assert.equal(revisions[0].diff, '');
  assert.match(revisions[1].diff, /^added\s+age\s+36$/);
  assert.match(revisions[2].diff, /^changed\s+name\s+"Ada"\s+"Ada Lovelace"$/);
  assert.match(revisions[3].diff, /^removed\s+\(document\)\s+\{GovId:"P1",name:"Ada Lovelace"/);
  assert.match(revisions[3].head, /DELETED/i);
  await shot(page, s, 'history');
}

/** Version 2 verifies against the digest now, and fails against the digest saved before it was written. */
export async function verifyRevision(page: Page, s: FlowState): Promise<void> {
  const links = await page.$$('[data-test=verify-revision]');
  await links[2].click();
  await page.waitForSelector('[data-test=verify-form]');
  await page.click('[data-test=verify]');
  await page.waitForSelector('[data-test=verdict]', { timeout: 10_000 });
  assert.equal(await textOf(page, '[data-test=verdict]'), 'Verified: the proof reaches the digest.');
  const text = await textOf(page, '[data-test=verification]');
  assert.match(text, new RegExp(`revision of document ${s.documentId} version 2 in block \\{strandId:"\\w+",sequenceNo:\\d+\\}: revision hash \\S+ recomputed from its metadata and data`));
  const steps = await page.$$('[data-test=fold-step]');
  assert.ok(steps.length >= 1, 'each step of the proof is drawn');
  assert.match(await textOf(page, '.fold-end'), /= the last hash/);
  await shot(page, s, 'verification');

  // the block that holds the revision verifies too: every hash in it is recomputed
  await page.select('select[name=kind]', 'block');
  await page.click('[data-test=verify]');
  await page.waitForFunction(() => /^block /.test(document.querySelector('[data-test=verification] p')?.textContent ?? ''), { timeout: 10_000 });
  assert.equal(await textOf(page, '[data-test=verdict]'), 'Verified: the proof reaches the digest.');
  assert.match(await textOf(page, '[data-test=verification] p'), /^block \{strandId:"\w+",sequenceNo:\d+\}: block hash \S+ recomputed from its 1 revision, transactionInfo, entriesHash and previousBlockHash/);
  await page.select('select[name=kind]', 'revision');

  await page.click('[data-test=source-saved]');
  await fill(page, '[data-test=saved-digest]', s.earlyDigest!);
  await page.click('[data-test=verify]');
  await page.waitForFunction(() => document.querySelector('[data-test=verdict]')?.textContent?.startsWith('Not verified'), { timeout: 10_000 });
  assert.match(await textOf(page, '[data-test=verdict]'), /^Not verified: the revision's block \d+ comes after the digest's tip \{strandId:"\w+",sequenceNo:\d+\}: the digest was taken before it existed/);
}

/** A redacted revision is marked in the history, and still verifies (from the dataHash it keeps). */
export async function redactedRevision(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/history?ledger=${s.ledger}&table=Person&id=${s.documentId}`);
  await page.waitForSelector('[data-test=verify-revision]');
  const links = await page.$$eval('[data-test=verify-revision]', (as) => as.map((a) => (a as any).href as string));
  const address = new URL(links[1].replace('#/verify?', '?')).searchParams.get('address')!;
  await open(page, s, `#/query?ledger=${s.ledger}`);
  await run(page, `EXEC redact_revision \`${address}\`, '${s.tableId}', '${s.documentId}'`, 1);
  await open(page, s, `#/history?ledger=${s.ledger}&table=Person&id=${s.documentId}`);
  await page.waitForSelector('[data-test=revision]');
  assert.deepEqual(await page.$$eval('[data-test=revision]', (lis) => lis.map((li) => li.getAttribute('data-status'))), ['live', 'redacted', 'live', 'deleted']);
  assert.match(await textOf(page, '[data-test=revision][data-status=redacted]'), /REDACTED[\s\S]*The data of this revision was redacted/);
  await (await page.$$('[data-test=verify-revision]'))[1].click();
  await page.waitForSelector('[data-test=verify-form]');
  await page.click('[data-test=verify]');
  await page.waitForSelector('[data-test=verdict]', { timeout: 10_000 });
  assert.equal(await textOf(page, '[data-test=verdict]'), 'Verified: the proof reaches the digest.');
  assert.match(await textOf(page, '[data-test=verification] p'), /version 1 .*recomputed from its metadata and dataHash \(the revision is redacted\)/);
}

/** Deletion protection turned off from the Edit form; then the ledger is deleted, DELETING until it is gone. */
export async function updateAndDelete(page: Page, s: FlowState): Promise<void> {
  const scratch = { ...s, ledger: `${s.ledger}-scratch` };
  await createLedger(page, { ...scratch, screenshots: false });
  const row = `[data-test=ledger-${scratch.ledger}]`;
  await page.click(`${row} [data-test=edit]`);
  await page.waitForSelector('[data-test=update-ledger]');
  await page.click('[data-test=update-ledger] input[name=protection]');
  await page.click('[data-test=update-ledger-submit]');
  await page.waitForFunction((r) => /\soff\s/.test((document.querySelector(r) as any)?.innerText ?? ''), { timeout: 10_000 }, row);
  await page.click(`${row} [data-test=delete]`);
  await page.waitForFunction((r) => !document.querySelector(r), { timeout: 10_000 }, row);
  assert.ok(await page.$(`[data-test=ledger-${s.ledger}]`), 'the other ledger is still listed');
}

/** A protected ledger is not deleted, and the console says why. */
export async function refusedDelete(page: Page, s: FlowState): Promise<void> {
  await open(page, s, '#/ledgers');
  await page.waitForSelector(`[data-test=ledger-${s.ledger}] [data-test=delete]`);
  await page.click(`[data-test=ledger-${s.ledger}] [data-test=delete]`);
  await page.waitForSelector('[data-test=ledger-error]');
  assert.match(await textOf(page, '[data-test=ledger-error]'), /^ResourcePreconditionNotMetException: .*deletion protection/i);
}

export async function exportToCompletion(page: Page, s: FlowState): Promise<void> {
  await open(page, s, `#/exports?ledger=${s.ledger}`);
  await page.click('[data-test=export-submit]');
  // the form shows its error instead when the export is refused: fail with it, not a timeout
  await page.waitForSelector('[data-test=export-description], [data-test=export-error]');
  if (await page.$('[data-test=export-error]')) assert.fail(`the export was refused: ${await textOf(page, '[data-test=export-error]')}`);
  await page.waitForFunction(() => /"Status": "COMPLETED"/.test(document.querySelector('[data-test=export-description]')?.textContent ?? ''), { timeout: 20_000 });
  await page.waitForFunction(() => document.querySelector('[data-test=exports] [data-test=status]')?.textContent === 'COMPLETED', { timeout: 10_000 });
  const row = await textOf(page, '[data-test=exports] tbody tr');
  assert.match(row, new RegExp(`^[A-Za-z0-9]{22}\\s+COMPLETED\\s+.*s3://openqldb-exports/${s.ledger}/\\s+ION_TEXT$`));
  await shot(page, s, 'exports');
}

/** A journal stream a client started shows on the Exports page, ACTIVE, then CANCELED once a client cancels it. */
export async function streamsListed(page: Page, s: FlowState): Promise<void> {
  const qldb = new QLDBClient({ endpoint: s.base, region: 'us-east-1', credentials: s.credentials, maxAttempts: 1 });
  try {
    const { StreamId } = await qldb.send(
      new StreamJournalToKinesisCommand({
        LedgerName: s.ledger,
        StreamName: 'search-index',
        RoleArn: 'arn:aws:iam::123456789012:role/qldb-stream',
        InclusiveStartTime: new Date(Date.now() - 60_000),
        KinesisConfiguration: { StreamArn: s.kinesisStreamArn!, AggregationEnabled: false },
      }),
    );
    // from another page: the Exports page, open already, lists streams when it is shown
    await open(page, s, '#/ledgers');
    await open(page, s, `#/exports?ledger=${s.ledger}`);
    await page.waitForSelector(`[data-test=stream-${StreamId}]`);
    const row = await textOf(page, `[data-test=stream-${StreamId}]`);
    assert.match(row, new RegExp(`^${StreamId}\\s+search-index\\s+ACTIVE\\s+.*until canceled\\s+${s.kinesisStreamArn}\\s+no$`));
    await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: s.ledger, StreamId }));
    await page.waitForFunction(
      (id: string) => document.querySelector(`[data-test=stream-${id}] [data-test=status]`)?.textContent === 'CANCELED',
      { timeout: 10_000 },
      StreamId!,
    );
  } finally {
    qldb.destroy();
  }
}

/** While another client commits (the official driver), the charts show commits per second and a growing journal. */
export async function activity(page: Page, s: FlowState): Promise<void> {
  await open(page, s, '#/activity');
  const driver = new QldbDriver(s.ledger, { endpoint: s.base, region: 'us-east-1', credentials: s.credentials });
  let committing = true;
  const load = (async () => {
    for (let i = 0; committing; i++) await driver.executeLambda((txn) => txn.execute(`INSERT INTO Person {'GovId': 'load-${i}'}`));
  })();
  try {
    // a rate needs two samples 2 s apart; both lines show commits while the driver runs
    const committingLine = (ledger: string) => {
      const legend = document.querySelector('.legend')?.textContent ?? '';
      const rate = (name: string) => Number(new RegExp(`${name} — ([\\d.]+) /s`).exec(legend)?.[1] ?? 0);
      return rate('all ledgers \\(metrics\\)') > 0 && rate(ledger) > 0;
    };
    // a driver that fails ends the wait with its error
    await Promise.race([page.waitForFunction(committingLine, { timeout: 20_000 }, s.ledger), load.then(() => assert.fail('the driver stopped committing'))]).catch(async (e) => {
      throw new Error(`${(e as Error).message}; the legends read: ${(await textsOf(page, '.legend')).join(' | ')}`);
    });
    await new Promise((r) => setTimeout(r, 2500));
  } finally {
    committing = false;
    await load;
    driver.close();
  }
  const legends = await textsOf(page, '.legend');
  assert.match(legends[1], new RegExp(`${s.ledger} — \\d+ blocks`));
  await shot(page, s, 'activity');
}
