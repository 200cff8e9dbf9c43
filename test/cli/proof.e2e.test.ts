/**
 * `openqldb proof` as an auditor runs it: a live server whose journal the official driver wrote,
 * `/usr/bin/aws qldb get-digest / get-revision / get-block` saved to files, then the openqldb
 * command line on them — as they are, piped from awscli, and tampered with.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dom, load } from 'ion-js';
import { awsEnv, startServer, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';
import { createLedger, newDriver } from '../clients/sessionHelpers';

const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const LEDGER = 'proof-e2e';
const holder = (ionText: string) => JSON.stringify({ IonText: ionText });

function run(command: string, args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: awsEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const openqldb = (args: string[], stdin?: string) => run(process.execPath, [MAIN, ...args], stdin);

describe('openqldb proof on answers saved from /usr/bin/aws qldb', () => {
  let server: TestServer;
  let dir: string;
  let tipText: string;
  /** a revision of the document before its update, redacted since, and the update's */
  let redactedAddress: string;
  let currentAddress: string;
  let docId: string;
  const file = (name: string) => join(dir, name);
  const qldb = async (name: string, ...args: string[]) => {
    const r = await aws(server.endpoint, ['qldb', ...args, '--name', LEDGER]);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(file(name), r.stdout);
    return r;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proof-e2e-'));
    server = await startServer();
    await createLedger(server.endpoint, LEDGER);
    const driver = newDriver(server.endpoint, LEDGER);
    try {
      await driver.executeLambda((t) => t.execute('CREATE TABLE Vehicle'));
      for (let i = 0; i < 5; i++) await driver.executeLambda((t) => t.execute('INSERT INTO Vehicle ?', { VIN: `V${i}`, Price: 1000 + i }));
      await driver.executeLambda((t) => t.execute('UPDATE Vehicle SET Price = 1 WHERE VIN = ?', 'V3'));
      const history = (await driver.executeLambda((t) => t.execute("SELECT * FROM history(Vehicle) AS h WHERE h.data.VIN = 'V3'"))).getResultList();
      const byVersion = (v: number) => history.find((h) => h.get('metadata', 'version')!.numberValue() === v)!;
      docId = byVersion(0).get('metadata', 'id')!.stringValue()!;
      const address = (h: dom.Value) => `{strandId:"${h.get('blockAddress', 'strandId')!.stringValue()}",sequenceNo:${h.get('blockAddress', 'sequenceNo')!.numberValue()}}`;
      redactedAddress = address(byVersion(0));
      currentAddress = address(byVersion(1));
      const tableId = (await driver.executeLambda((t) => t.execute("SELECT VALUE tableId FROM information_schema.user_tables WHERE name = 'Vehicle'"))).getResultList()[0].stringValue()!;
      await driver.executeLambda((t) => t.execute(`EXEC REDACT_REVISION ?, '${tableId}', '${docId}'`, byVersion(0).get('blockAddress')!));
    } finally {
      driver.close();
    }
    const d = await qldb('digest.json', 'get-digest');
    tipText = d.json.DigestTipAddress.IonText;
    const tip = ['--digest-tip-address', holder(tipText)];
    await qldb('revision.json', 'get-revision', '--block-address', holder(currentAddress), '--document-id', docId, ...tip);
    await qldb('redacted.json', 'get-revision', '--block-address', holder(redactedAddress), '--document-id', docId, ...tip);
    await qldb('block.json', 'get-block', '--block-address', holder(currentAddress), ...tip);
    await qldb('genesis.json', 'get-block', '--block-address', holder(tipText.replace(/sequenceNo:\d+/, 'sequenceNo:0')), ...tip);
  });
  after(async () => {
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies a revision, a redacted revision and blocks against the digest', async () => {
    let r = await openqldb(['proof', '--digest', file('digest.json'), '--revision', file('revision.json')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^revision of document ${docId} version 1 in block ${currentAddress.replace(/[{}]/g, '\\$&')}\\n`));
    assert.match(r.stdout, /recomputed from its metadata and data: it matches the stated hash\n  proof: \d+ hashes fold into the digest \S+ at tip .*\nVERIFIED\n$/);
    r = await openqldb(['proof', '--digest', file('digest.json'), '--revision', file('redacted.json')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /version 0 .*\n.*recomputed from its metadata and dataHash \(the revision is redacted\)[\s\S]*VERIFIED\n$/);
    for (const block of ['block.json', 'genesis.json']) {
      r = await openqldb(['proof', '--digest', file('digest.json'), '--block', file(block)]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /block hash \S+ recomputed from its \d+ revisions?, transactionInfo, entriesHash and previousBlockHash: it matches[\s\S]*VERIFIED\n$/);
    }
  });

  it('reads an answer piped from awscli', async () => {
    const r = await run('bash', [
      '-c',
      '/usr/bin/aws --endpoint-url "$1" --output json qldb get-block --name "$2" --block-address "$3" --digest-tip-address "$4" | node "$5" proof --digest "$6" --block -',
      'bash', server.endpoint, LEDGER, holder(currentAddress), holder(tipText), MAIN, file('digest.json'),
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /VERIFIED\n$/);
  });

  it('fails a changed document field, a changed proof element and a digest of another tip with exit 1, naming the check', async () => {
    const answer = JSON.parse(readFileSync(file('revision.json'), 'utf8'));
    const edit = (name: string, change: (a: any) => void) => {
      const copy = JSON.parse(JSON.stringify(answer));
      change(copy);
      writeFileSync(file(name), JSON.stringify(copy, null, 4));
      return file(name);
    };
    const changedField = edit('changed-field.json', (a) => {
      assert.match(a.Revision.IonText, /Price:1\b/);
      a.Revision.IonText = a.Revision.IonText.replace(/Price:1\b/, 'Price:2');
    });
    const changedProof = edit('changed-proof.json', (a) => {
      const elements = load(a.Proof.IonText)!.elements().map((e) => Buffer.from(e.uInt8ArrayValue()!));
      elements[elements.length - 1][0] ^= 1;
      a.Proof.IonText = `[${elements.map((e) => `{{${e.toString('base64')}}}`).join(',')}]`;
    });
    // the journal grows; the next digest covers another tip than the one the proof was made for
    const driver = newDriver(server.endpoint, LEDGER);
    try {
      await driver.executeLambda((t) => t.execute('INSERT INTO Vehicle ?', { VIN: 'V9', Price: 9 }));
    } finally {
      driver.close();
    }
    await qldb('later-digest.json', 'get-digest');
    const cases: [string, string, string, RegExp][] = [
      ['a changed document field', file('digest.json'), changedField, /^FAILED\n  revision of document \S+ version 1 in block .*: the hash recomputed from its metadata and data is \S+, but the revision states \S+: the document or its metadata was changed\n  check: revisionHash\n$/],
      ['a changed proof element', file('digest.json'), changedProof, /\nFAILED\n  folding the \d+ hashes of the Proof from the revision hash gives \S+, not the digest \S+ at tip .*\n  check: proof\n$/],
      ['a digest of another tip', file('later-digest.json'), file('revision.json'), /\nFAILED\n  .*: the Proof was changed, or was made for another tip than this digest's\n  check: proof\n$/],
    ];
    for (const [what, digest, revision, message] of cases) {
      const r = await openqldb(['proof', '--digest', digest, '--revision', revision]);
      assert.equal(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, message, what);
    }
  });

  it('exits 2 for garbage, an answer without a proof, and usage errors', async () => {
    writeFileSync(file('garbage.json'), Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a]));
    let r = await openqldb(['proof', '--digest', file('digest.json'), '--revision', file('garbage.json')]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /garbage\.json: not JSON; expected the output of get-revision/);
    await qldb('no-proof.json', 'get-revision', '--block-address', holder(currentAddress), '--document-id', docId);
    r = await openqldb(['proof', '--digest', file('digest.json'), '--revision', file('no-proof.json')]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no Proof: call get-revision with --digest-tip-address/);
    r = await openqldb(['proof', '--digest', file('block.json'), '--block', file('block.json')]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /block\.json: no Digest; expected the output of get-digest/);
    r = await openqldb(['proof', '--revision', file('revision.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--digest is required[\s\S]*Usage: openqldb proof/);
    r = await openqldb(['proof', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: openqldb proof/);
  });
});
