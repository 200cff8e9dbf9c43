/** A journal built in memory with the real block assembly, for exports' unit tests and the benchmark. */
import * as ion from 'ion-js';
import { buildBlock, genesisBlock } from '../../src/journal/block';
import type { ExportJournal } from '../../src/exports/journalSource';

export interface ExportBlock {
  sequenceNo: number;
  timestampMs: number;
  ion: Buffer;
}

export const STRAND = 'KmA3ZZca7vAIiJAK9S5Iwl';

export function docId(i: number): string {
  return 'D' + String(i).padStart(21, '0');
}

/** Blocks 0..n-1 (0 = genesis), timestamps t0 + i*stepMs, each with one revision of a small document. */
export function makeBlocks(n: number, t0 = Date.UTC(2024, 0, 1), stepMs = 1000, strandId = STRAND): ExportBlock[] {
  const out: ExportBlock[] = [];
  const g = genesisBlock(strandId, new Date(t0), 'G000000000000000000000');
  out.push({ sequenceNo: 0, timestampMs: t0, ion: Buffer.from(g.ion) });
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
    out.push({ sequenceNo: i, timestampMs: ts.getTime(), ion: Buffer.from(b.ion) });
  }
  return out;
}

export class MemoryJournal implements ExportJournal {
  readonly ledgers = new Map<string, ExportBlock[]>();
  strandIds = new Map<string, string>();

  add(ledgerId: string, blocks: ExportBlock[], strandId = STRAND): void {
    this.ledgers.set(ledgerId, blocks);
    this.strandIds.set(ledgerId, strandId);
  }
  strand(ledgerId: string) {
    const b = this.ledgers.get(ledgerId);
    return b && { strandId: this.strandIds.get(ledgerId)!, tipSequenceNo: b.length - 1 };
  }
  sequenceRange(ledgerId: string, startMs: number, endMs: number) {
    const inRange = (this.ledgers.get(ledgerId) ?? []).filter((b) => b.timestampMs >= startMs && b.timestampMs < endMs);
    return inRange.length ? { first: inRange[0].sequenceNo, last: inRange[inRange.length - 1].sequenceNo } : undefined;
  }
  readBlocks(ledgerId: string, fromSeq: number, toSeq: number, maxBlocks: number) {
    return (this.ledgers.get(ledgerId) ?? []).slice(fromSeq, Math.min(toSeq + 1, fromSeq + maxBlocks)).map((b) => b.ion);
  }
}
