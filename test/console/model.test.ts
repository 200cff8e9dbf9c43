/**
 * The console's pure logic, in Node: what a revision changed, the proof fold it draws, where an
 * error sits in the editor, the colouring, the metrics it charts and the tags it sends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { load } from 'ion-js';
import { dot, foldProof } from '../../src/journal/hash';
import { diffValues } from '../../src/console/web/model/diff';
import { foldSteps } from '../../src/console/web/model/proofSteps';
import { errorPosition, splitStatements } from '../../src/console/web/model/statements';
import { tokenize } from '../../src/console/web/model/highlight';
import { committedTransactions, parseMetrics } from '../../src/console/web/model/metrics';
import { addSample, level, rate, WINDOW_MS } from '../../src/console/web/model/activity';
import { revisionsOf } from '../../src/console/web/model/revisions';
import { parseTags } from '../../src/console/web/model/tags';

const ion = (text: string) => load(text)!;

describe('revision diff', () => {
  it('names each added, removed and changed field through nested structs', () => {
    const before = ion('{name: "Ada", address: {city: "London", street: "St James"}, tags: [a]}');
    const after = ion('{name: "Ada Lovelace", address: {city: "London", zip: "SW1"}, tags: [a]}');
    assert.deepEqual(diffValues(before, after), [
      { path: 'name', kind: 'changed', before: '"Ada"', after: '"Ada Lovelace"' },
      { path: 'address.street', kind: 'removed', before: '"St James"' },
      { path: 'address.zip', kind: 'added', after: '"SW1"' },
    ]);
  });

  it('compares with Ion equality: precision, type and annotations are changes', () => {
    assert.deepEqual(diffValues(ion('{b: 12.50}'), ion('{b: 12.5}')), [{ path: 'b', kind: 'changed', before: '12.50', after: '12.5' }]);
    assert.deepEqual(diffValues(ion('{n: 1}'), ion('{n: 1e0}')), [{ path: 'n', kind: 'changed', before: '1', after: '1e0' }]);
    assert.deepEqual(diffValues(ion('{s: x}'), ion('{s: "x"}')), [{ path: 's', kind: 'changed', before: 'x', after: '"x"' }]);
    assert.deepEqual(diffValues(ion('{l: [1, 2]}'), ion('{l: [1, 2]}')), []);
    assert.deepEqual(diffValues(ion('{l: [1, 2]}'), ion('{l: [2, 1]}')), [{ path: 'l', kind: 'changed', before: '[1,2]', after: '[2,1]' }]);
  });

  it('reports a whole document created or deleted', () => {
    assert.deepEqual(diffValues(undefined, ion('{a: 1}')), [{ path: '', kind: 'added', after: '{a:1}' }]);
    assert.deepEqual(diffValues(ion('{a: 1}'), undefined), [{ path: '', kind: 'removed', before: '{a:1}' }]);
  });
});

describe('history() rows as revisions', () => {
  const row = (version: number, rest: string) =>
    ion(`{blockAddress: {strandId: "S", sequenceNo: ${version + 1}}, hash: {{${Buffer.alloc(32, version).toString('base64')}}}, metadata: {id: "D", version: ${version}, txTime: 2026-01-0${version + 1}T00:00:00Z, txId: "T${version}"}${rest}}`);

  it('orders by version, marks deletes and redactions, and diffs each live version against the last known data', () => {
    const revisions = revisionsOf([
      row(3, ''),
      row(0, ', data: {a: 1}'),
      row(2, ', data: {a: 2, b: 1}'),
      row(1, `, dataHash: {{${Buffer.alloc(32).toString('base64')}}}`),
    ]);
    assert.deepEqual(revisions.map((r) => [r.version, r.status]), [[0, 'live'], [1, 'redacted'], [2, 'live'], [3, 'deleted']]);
    assert.deepEqual(revisions[1].changes, [], 'nothing is known of redacted data');
    assert.deepEqual(revisions[2].changes.map((c) => `${c.kind} ${c.path}`), ['changed a', 'added b']);
    assert.deepEqual(revisions[3].changes.map((c) => `${c.kind} ${c.path}`), ['removed ']);
    assert.equal(revisions[2].txId, 'T2');
    assert.equal(revisions[2].txTime, '2026-01-03T00:00:00Z');
    assert.equal(revisions[0].hash, Buffer.alloc(32, 0).toString('base64'));
  });
});

describe('proof fold steps', () => {
  const hash = () => createHash('sha256').update(randomBytes(16)).digest();

  it('draws each dot of the fold and ends where foldProof ends', () => {
    const leaf = hash();
    const proof = [hash(), hash(), hash(), hash()];
    const digest = foldProof(leaf, proof);
    const fold = foldSteps(leaf, proof, digest);
    assert.equal(fold.steps.length, 4);
    assert.equal(fold.start, leaf.toString('base64'));
    let acc: Buffer = leaf;
    for (const [i, step] of fold.steps.entries()) {
      assert.equal(step.from, acc.toString('base64'));
      assert.equal(step.sibling, proof[i].toString('base64'));
      acc = dot(acc, proof[i]);
      assert.equal(step.result, acc.toString('base64'));
      // the pair hashed is the two in the order the step names
      const [first, second] = step.order === 'running-first' ? [step.from, step.sibling] : [step.sibling, step.from];
      assert.equal(createHash('sha256').update(Buffer.concat([Buffer.from(first, 'base64'), Buffer.from(second, 'base64')])).digest('base64'), step.result);
    }
    assert.equal(fold.end, digest.toString('base64'));
    assert.equal(fold.reaches, true);
  });

  it('says when the fold misses the digest, and refuses a Proof element that is not a hash', () => {
    const leaf = hash();
    const proof = [hash()];
    assert.equal(foldSteps(leaf, proof, hash()).reaches, false);
    assert.throws(() => foldSteps(leaf, [Buffer.alloc(31)], hash()), /31 bytes, not a 32-byte hash/);
  });
});

describe('editor statements and error positions', () => {
  it('splits at semicolons outside literals and comments, keeping where each starts', () => {
    const source = "SELECT 'a;b' FROM T; SELECT 1 FROM T -- c;\n  ;\nINSERT INTO T `{s: \";\"}`;\n  SELECT *\n  FROM T";
    assert.deepEqual(splitStatements(source), [
      { text: "SELECT 'a;b' FROM T", line: 1, column: 1 },
      { text: 'SELECT 1 FROM T -- c;', line: 1, column: 22 },
      { text: 'INSERT INTO T `{s: ";"}`', line: 3, column: 1 },
      { text: 'SELECT *\n  FROM T', line: 4, column: 3 },
    ]);
  });

  it('tells two identical statements on one line apart', () => {
    assert.deepEqual(splitStatements('SELECT 1 FROM T; SELECT 1 FROM T').map((s) => s.column), [1, 18]);
  });

  it("maps a message's line and column within a statement to the editor", () => {
    const statement = { text: 'SELECT *\n  FROM T WHERE = =', line: 4, column: 3 };
    assert.deepEqual(errorPosition("Unexpected token '=' at line 1, column 8", statement), { line: 4, column: 10 });
    assert.deepEqual(errorPosition("Unexpected token '=' at line 2, column 17", statement), { line: 5, column: 17 });
    assert.equal(errorPosition('Table Nope does not exist', statement), undefined);
  });
});

describe('PartiQL colouring', () => {
  it('tells keywords, literals, Ion, comments and numbers from names', () => {
    const tokens = tokenize("SELECT p.name, \"x\"\"y\" FROM Person AS p WHERE p.n > 12.5 AND p.s = 'it''s' -- why\nAND p.d = `{a: 1}`").filter((t) => t.kind !== 'text');
    assert.deepEqual(
      tokens.map((t) => `${t.kind}:${t.text}`),
      ['keyword:SELECT', 'identifier:"x""y"', 'keyword:FROM', 'keyword:AS', 'keyword:WHERE', 'number:12.5', 'keyword:AND', "string:'it''s'", 'comment:-- why', 'keyword:AND', 'ion:`{a: 1}`'],
    );
  });

  it('gives back the text exactly, an unterminated string included', () => {
    const source = "SELECT 'open\n  FROM T /* half";
    assert.equal(tokenize(source).map((t) => t.text).join(''), source);
  });
});

describe('activity from /metrics and digests', () => {
  const text = [
    '# HELP openqldb_requests_total Requests answered',
    '# TYPE openqldb_requests_total counter',
    'openqldb_requests_total{api="session",operation="CommitTransaction",status="200"} 7',
    'openqldb_requests_total{api="session",operation="CommitTransaction",status="400"} 2',
    'openqldb_requests_total{api="session",operation="ExecuteStatement",status="200"} 30',
    'openqldb_active_sessions{ledger="a \\"quoted\\" name"} 1',
  ].join('\n');

  it('reads samples and counts only successful commits', () => {
    const samples = parseMetrics(text);
    assert.equal(samples.length, 4);
    assert.equal(samples[3].labels.ledger, 'a "quoted" name');
    assert.equal(committedTransactions(samples), 7);
  });

  it('turns counters into per-second rates, never negative, over a ten-minute window', () => {
    let samples = addSample([], { at: 0, commits: 10, blocks: { a: 5 } });
    samples = addSample(samples, { at: 2000, commits: 16, blocks: { a: 9 } });
    samples = addSample(samples, { at: 4000, commits: 2, blocks: { a: 9, b: 1 } });
    assert.deepEqual(rate(samples, (s) => s.commits), [{ at: 2000, value: 3 }, { at: 4000, value: 0 }]);
    assert.deepEqual(rate(samples, (s) => s.blocks.b), []);
    assert.deepEqual(level(samples, (s) => s.blocks.a), [{ at: 0, value: 5 }, { at: 2000, value: 9 }, { at: 4000, value: 9 }]);
    assert.equal(addSample(samples, { at: WINDOW_MS + 2500, blocks: {} }).length, 2);
  });
});

describe('ledger tags from the form', () => {
  it('reads key=value lines, trimming blanks', () => {
    assert.deepEqual(parseTags(' team = audit \n\nowner=ada=lovelace\nflag'), { team: 'audit', owner: 'ada=lovelace', flag: '' });
  });
});
