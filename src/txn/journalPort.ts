/**
 * What the transaction layer needs from the journal store (src/storage/sqlite/journalStore.ts):
 * synchronous calls, made inside the commit's own SQLite transaction.
 */
import type { BuiltBlock } from '../journal/block';

export interface StrandTip {
  strandId: string;
  tipSequenceNo: number;
  tipBlockHash: Buffer;
}

export interface JournalPort {
  strand(ledgerId: string): StrandTip | undefined;
  /** The stored Ion binary of a block (to read the tip's timestamp at load). */
  block?(ledgerId: string, sequenceNo: number): Uint8Array | undefined;
  appendBlock(ledgerId: string, built: BuiltBlock, transactionId: string): void;
  /** Returns the redacted revision struct (Ion binary) when the block held that revision. */
  redactRevision(ledgerId: string, sequenceNo: number, documentId: string, version: number): Uint8Array | undefined | void;
}
