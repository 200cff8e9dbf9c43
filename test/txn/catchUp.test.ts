/**
 * A node's state catching up with what other nodes committed (txn/commitBuilder.ts catchUp):
 * from an unbroken run of footprints only. Footprints are pruned after their retention
 * (txn/footprintRetention.ts), so a state older than the oldest one left must be reloaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../src/txn/catalog';
import { catchUp, StaleLedgerState } from '../../src/txn/commitBuilder';
import { encodeFootprint, LedgerState } from '../../src/txn/ledgerState';
import { footprintRetentionMs } from '../../src/txn/footprintRetention';

const T0 = Date.UTC(2026, 0, 1);

function footprint(seq: number, doc: string) {
  const record = { seq, docs: new Set([doc]), tables: new Set(['t1']), keys: new Set<string>(), catalogChanged: false, catalogNames: new Set<string>() };
  return { sequenceNo: seq, footprint: encodeFootprint(record, T0 + seq) };
}

const stateAt = (seq: number) => new LedgerState('L1', 'S1', seq, Buffer.alloc(32), T0 + seq, new Catalog([]));
const tip = (seq: number) => ({ strandId: 'S1', tipSequenceNo: seq, tipBlockHash: Buffer.alloc(32, seq) });
const readsDoc = (doc: string) => ({ conflictsWith: (r: { docs: Set<string> }) => r.docs.has(doc) });

test('a state catches up over the footprints of every block after its tip, and sees their writes as conflicts', () => {
  const st = stateAt(5);
  st.openTransaction(5);
  catchUp(st, { tip: tip(7), since: [footprint(6, 'docA'), footprint(7, 'docB')] });
  assert.equal(st.tipSeq, 7);
  assert.equal(st.tipTime, T0 + 7);
  assert.ok(st.conflicts(5, readsDoc('docB') as never), 'a transaction of snapshot 5 that read docB conflicts');
  assert.ok(!st.conflicts(5, readsDoc('docC') as never));
});

test('a state whose next footprints were pruned is stale: it must be reloaded, not caught up with a gap', () => {
  const st = stateAt(5);
  assert.throws(() => catchUp(st, { tip: tip(8), since: [footprint(7, 'docA'), footprint(8, 'docB')] }), StaleLedgerState);
});

test('a gap inside the footprints is stale too', () => {
  const st = stateAt(5);
  assert.throws(() => catchUp(st, { tip: tip(8), since: [footprint(6, 'docA'), footprint(8, 'docB')] }), StaleLedgerState);
});

test('footprints outlive their block by ten transaction lifetimes, and at least ten minutes', () => {
  assert.equal(footprintRetentionMs(30_000), 10 * 60_000);
  assert.equal(footprintRetentionMs(120_000), 20 * 60_000);
});
