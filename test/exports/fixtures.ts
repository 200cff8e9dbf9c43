/** A journal built with the real block assembly and stored through any Store, for exports' tests. */
import * as ion from 'ion-js';
import { buildBlock, genesisBlock } from '../../src/journal/block';
import type { Store } from '../../src/storage/stores';
import { writeBlocks } from '../helpers/serverStore';
import type { PutOptions, Sink } from '../../src/exports/sinks/sink';

export interface ExportBlock {
  sequenceNo: number;
  timestampMs: number;
  ion: Buffer;
  blockHash: Buffer;
  transactionId: string;
}

export const STRAND = 'KmA3ZZca7vAIiJAK9S5Iwl';

export function docId(i: number): string {
  return 'D' + String(i).padStart(21, '0');
}

/** Blocks 0..n-1 (0 = genesis), timestamps t0 + i*stepMs, each with one revision of a small document. */
export function makeBlocks(n: number, t0 = Date.UTC(2024, 0, 1), stepMs = 1000, strandId = STRAND): ExportBlock[] {
  const out: ExportBlock[] = [];
  const g = genesisBlock(strandId, new Date(t0), 'G000000000000000000000');
  out.push({ sequenceNo: 0, timestampMs: t0, ion: Buffer.from(g.ion), blockHash: g.blockHash, transactionId: 'G000000000000000000000' });
  let prev = g.blockHash;
  for (let i = 1; i < n; i++) {
    const ts = new Date(t0 + i * stepMs);
    const id = docId(i);
    const data = ion.dumpBinary(
      ion.load(`{VIN:"1N4AL11D75C10${String(i).padStart(4, '0')}",Make:"Nissan",Year:${2000 + (i % 20)},Price:${i}.50,` +
        `ok:${i % 2 === 0},tags:[a,"b"],when:2024-01-01T10:00:00.5+02:00,note:"line\\nbreak é"}`)!,
    );
    const b = buildBlock({
      strandId,
      sequenceNo: i,
      transactionId: 'T' + String(i).padStart(21, '0'),
      blockTimestamp: ts,
      previousBlockHash: prev,
      statements: [{ statement: 'INSERT INTO Vehicle ?', startTime: new Date(ts.getTime() - 5), statementDigest: Buffer.alloc(32, i & 255) }],
      documents: { [id]: { tableName: 'Vehicle', tableId: 'Vvvvvvvvvvvvvvvvvvvvvv', statements: [0] } },
      revisions: [{ data, metadata: { id, version: 0, txTime: new Date(ts.getTime() - 1), txId: 'T' + String(i).padStart(21, '0') } }],
    });
    prev = b.blockHash;
    out.push({ sequenceNo: i, timestampMs: ts.getTime(), ion: Buffer.from(b.ion), blockHash: b.blockHash, transactionId: 'T' + String(i).padStart(21, '0') });
  }
  return out;
}

/**
 * Stores blocks 0..n-1 as the ledger's journal: the genesis block creates the strand, the others
 * are committed in one batch (no documents: exports read none).
 */
export async function storeJournal(store: Store, ledgerId: string, blocks: ExportBlock[], strandId = STRAND): Promise<void> {
  const [g, ...rest] = blocks;
  await store.journal.createStrand(ledgerId, strandId, { blockHash: g.blockHash, timestampMs: g.timestampMs, transactionId: g.transactionId, ion: g.ion });
  if (rest.length === 0) return;
  await writeBlocks(store, ledgerId, 0, rest);
}

/** A sink that holds every put after the first `n` until released. */
export class GatedSink implements Sink {
  readonly kind = 'local' as const;
  puts = 0;
  private gate: Promise<void> | undefined;
  private open!: () => void;
  constructor(private readonly inner: Sink, private readonly freeBefore: number) {
    this.gate = new Promise((r) => (this.open = r));
  }
  checkKey(b: string, k: string) {
    this.inner.checkKey(b, k);
  }
  async put(b: string, k: string, body: Buffer, o: PutOptions) {
    if (++this.puts > this.freeBefore && this.gate) await this.gate;
    return this.inner.put(b, k, body, o);
  }
  get(b: string, k: string) {
    return this.inner.get(b, k);
  }
  list(b: string, prefix: string) {
    return this.inner.list(b, prefix);
  }
  release() {
    this.gate = undefined;
    this.open();
  }
  close() {}
}
