/**
 * `openqldb digest | block | revision` (with `--verify`) and `openqldb exports` against a live
 * server whose journal the official driver wrote, each answer compared with what
 * `/usr/bin/aws qldb … --output json` prints for the same call.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { createLedger, newDriver } from '../clients/sessionHelpers';
import { awsQldb, onTerminal, openqldb, same as sameOutput } from './commandsHelpers';

const LEDGER = 'journal-cli';
const holder = (ionText: string) => JSON.stringify({ IonText: ionText });

describe('openqldb digest, block, revision and exports print what /usr/bin/aws qldb prints', () => {
  let server: TestServer;
  let ours: (...args: string[]) => ReturnType<typeof openqldb>;
  let theirs: (...args: string[]) => ReturnType<typeof awsQldb>;
  let docId: string;
  /** where the updated revision of docId was committed */
  let address: string;
  const same = (o: string[], t: string[]) => sameOutput(server.endpoint, o, t);
  /** the time range of every block so far, as the export commands take it */
  const range = () => ['--inclusive-start-time', '2020-01-01T00:00:00Z', '--exclusive-end-time', new Date().toISOString()];
  const role = ['--role-arn', 'arn:aws:iam::000000000000:role/export'];

  before(async () => {
    server = await startServer();
    ours = (...args) => openqldb(server.endpoint, args);
    theirs = (...args) => awsQldb(server.endpoint, args);
    await createLedger(server.endpoint, LEDGER);
    const driver = newDriver(server.endpoint, LEDGER);
    try {
      await driver.executeLambda((t) => t.execute('CREATE TABLE Vehicle'));
      for (let i = 0; i < 4; i++) await driver.executeLambda((t) => t.execute('INSERT INTO Vehicle ?', { VIN: `V${i}`, Price: 1000 + i }));
      await driver.executeLambda((t) => t.execute('UPDATE Vehicle SET Price = 1 WHERE VIN = ?', 'V2'));
      const [row] = (await driver.executeLambda((t) => t.execute("SELECT r.metadata.id, r.blockAddress FROM _ql_committed_Vehicle AS r WHERE r.data.VIN = 'V2'"))).getResultList();
      docId = row.get('id')!.stringValue()!;
      address = `{strandId:"${row.get('blockAddress', 'strandId')!.stringValue()}",sequenceNo:${row.get('blockAddress', 'sequenceNo')!.numberValue()}}`;
      // a later block, so that the proofs up to the tip are not empty
      await driver.executeLambda((t) => t.execute('INSERT INTO Vehicle ?', { VIN: 'V9', Price: 9 }));
    } finally {
      driver.close();
    }
  });
  after(() => server.dispose());

  it('digest, block and revision answer get-digest, get-block and get-revision; --verify says VERIFIED', async () => {
    const digest = await same(['digest', '--name', LEDGER], ['get-digest', '--name', LEDGER]);
    const tip = digest.json.DigestTipAddress.IonText;
    await same(['block', '--name', LEDGER, '--block-address', `IonText=${address}`], ['get-block', '--name', LEDGER, '--block-address', holder(address)]);
    const awsBlock = await same(['block', '--name', LEDGER, '--block-address', address, '--digest-tip-address', holder(tip)], ['get-block', '--name', LEDGER, '--block-address', holder(address), '--digest-tip-address', holder(tip)]);
    const revisionArgs = ['--name', LEDGER, '--block-address', holder(address), '--document-id', docId];
    const awsRevision = await same(['revision', ...revisionArgs, '--digest-tip-address', `IonText=${tip}`], ['get-revision', ...revisionArgs, '--digest-tip-address', holder(tip)]);
    assert.match(awsRevision.json.Proof.IonText, /^\[\{\{/);

    // --verify fetches the same digest (nothing was written since), so it prints the same answer
    const [block, revision] = await Promise.all([ours('block', '--name', LEDGER, '--block-address', address, '--verify'), ours('revision', ...revisionArgs, '--verify')]);
    assert.equal(block.code, 0, block.stderr);
    assert.equal(block.stdout, awsBlock.stdout);
    assert.match(block.stderr, /^block \{strandId:"\w+",sequenceNo:\d+\}\n  block hash \S+ recomputed from its 1 revision, transactionInfo, entriesHash and previousBlockHash: it matches the stated hash\n  proof: [1-9]\d* hash(es)? fold into the digest \S+ at tip .*\nVERIFIED\n$/);
    assert.equal(revision.code, 0, revision.stderr);
    assert.equal(revision.stdout, awsRevision.stdout);
    assert.match(revision.stderr, new RegExp(`^revision of document ${docId} version 1 in block .*\\n  revision hash \\S+ recomputed from its metadata and data: it matches the stated hash\\n  proof: .*\\nVERIFIED\\n$`));
  });

  it('--verify against a saved digest: VERIFIED, or FAILED with exit 1 for a digest that was changed', async () => {
    const digestFile = join(server.dataDir, 'digest.json');
    const saved = await theirs('get-digest', '--name', LEDGER);
    writeFileSync(digestFile, saved.stdout);
    const changed = join(server.dataDir, 'changed-digest.json');
    const bytes = Buffer.from(saved.json.Digest, 'base64');
    bytes[0] ^= 1;
    writeFileSync(changed, JSON.stringify({ ...saved.json, Digest: bytes.toString('base64') }));
    const args = ['revision', '--name', LEDGER, '--block-address', address, '--document-id', docId, '--verify'];
    const [good, bad, otherTip] = await Promise.all([
      ours(...args, '--digest', digestFile),
      ours(...args, '--digest', changed),
      ours(...args, '--digest', digestFile, '--digest-tip-address', address),
    ]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stderr, /\nVERIFIED\n$/);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /\nFAILED\n  folding the \d+ hashes of the Proof from the revision hash gives \S+, not the digest \S+ at tip .*\n  check: proof\n$/);
    assert.equal(otherTip.code, 252);
    assert.match(otherTip.stderr, /--digest-tip-address .* is not the digest's tip/);
  });

  it("exports start --wait follows an export to COMPLETED; describe and list answer awscli's", async () => {
    const started = await ours('exports', 'start', '--name', LEDGER, ...range(), ...role, '--bucket', 'my-bucket', '--prefix', 'cli/', '--wait');
    assert.equal(started.code, 0, started.stderr);
    // not a terminal: one line per status, not a line rewritten in place
    const lines = started.stderr.trimEnd().split('\n');
    assert.ok(lines.every((l) => /^export \w+ of ledger journal-cli: (IN_PROGRESS|COMPLETED) after \d+ s$/.test(l)), started.stderr);
    assert.match(lines[lines.length - 1], /COMPLETED/);
    const exportId = started.json.ExportDescription.ExportId;
    const described = await theirs('describe-journal-s3-export', '--name', LEDGER, '--export-id', exportId);
    assert.equal(started.stdout, described.stdout);
    assert.ok(readdirSync(join(server.dataDir, 's3', 'my-bucket', 'cli')).some((f) => f.endsWith('.completed.manifest')));

    const configuration = JSON.stringify({ Bucket: 'my-bucket', Prefix: 'json/', EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' } });
    const plain = await ours('exports', 'start', '--name', LEDGER, ...range(), ...role, '--s3-export-configuration', configuration, '--output-format', 'JSON');
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(Object.keys(plain.json), ['ExportId']);
    const waited = await ours('exports', 'describe', '--name', LEDGER, '--export-id', plain.json.ExportId, '--wait');
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.json.ExportDescription.OutputFormat, 'JSON');
    assert.deepEqual(waited.json.ExportDescription.S3ExportConfiguration, JSON.parse(configuration));

    await same(['exports', 'describe', '--name', LEDGER, '--export-id', plain.json.ExportId], ['describe-journal-s3-export', '--name', LEDGER, '--export-id', plain.json.ExportId]);
    const all = await same(['exports', 'list'], ['list-journal-s3-exports']);
    assert.deepEqual(
      all.json.JournalS3Exports.map((e: { ExportId: string }) => e.ExportId),
      [exportId, plain.json.ExportId],
    );
    await same(['exports', 'list', '--name', LEDGER], ['list-journal-s3-exports-for-ledger', '--name', LEDGER]);
    const page = await same(['exports', 'list', '--name', LEDGER, '--max-results', '1'], ['list-journal-s3-exports-for-ledger', '--name', LEDGER, '--max-results', '1']);
    assert.ok(page.json.NextToken);
  });

  it('exports start --wait exits 1 when the export is CANCELLED, and rewrites one line on a terminal', async () => {
    // a file where the export's hour directory must go: the local sink cannot write a data object
    const year = String(new Date().getUTCFullYear());
    mkdirSync(join(server.dataDir, 's3', 'cancel-bucket', 'p'), { recursive: true });
    writeFileSync(join(server.dataDir, 's3', 'cancel-bucket', 'p', year), 'in the way');
    const cancelled = await ours('exports', 'start', '--name', LEDGER, ...range(), ...role, '--bucket', 'cancel-bucket', '--prefix', 'p/', '--wait');
    assert.equal(cancelled.code, 1, cancelled.stderr);
    assert.equal(cancelled.json.ExportDescription.Status, 'CANCELLED');
    assert.match(cancelled.stderr, /: CANCELLED after \d+ s\n$/);

    const terminal = await onTerminal(server.endpoint, ['exports', 'start', '--name', LEDGER, ...range(), ...role, '--bucket', 'my-bucket', '--prefix', 'tty/', '--wait']);
    assert.equal(terminal.code, 0, terminal.output);
    assert.match(terminal.output, /^\r\x1b\[2Kexport \w+ of ledger journal-cli: (IN_PROGRESS|COMPLETED) after \d+ s/);
    assert.match(terminal.output, /\r\x1b\[2Kexport \w+ of ledger journal-cli: COMPLETED after \d+ s\r\n/);
    // then the description, as a table: a terminal's default
    assert.match(terminal.output, /\r\nField +Value\r\n-+ +-+\r\nLedgerName +journal-cli\r\nExportId +\w+\r\n/);
    assert.match(terminal.output, /\r\nStatus +COMPLETED\r\n/);
    assert.ok(existsSync(join(server.dataDir, 's3', 'my-bucket', 'tty')));
  });
});
