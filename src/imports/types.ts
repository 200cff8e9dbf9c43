/**
 * An import job's two JSON documents (jobs/types.ts): the spec fixed by ImportJournalFromS3 and
 * the progress its runs rewrite. Kept apart from the work so that Describe and List load nothing
 * of the journal.
 */
import type { PendingTable } from './rebuild';

/** What ImportJournalFromS3 asked for, fixed when the job is created. */
export interface ImportSpec {
  bucket: string;
  prefix: string;
  exportIds?: string[];
  /** base64 of the digest the import must reproduce at `tip` */
  digest?: string;
  tip?: { strandId: string; sequenceNo: number };
}

/** How far the import got, rewritten under the lease. */
export interface ImportProgress {
  /** the last block written (-1: none) and its hash (base64) */
  tip: number;
  tipHash?: string;
  tipTimeMs?: number;
  strandId?: string;
  /** blocks in the planned objects, once they are known */
  totalBlocks?: number;
  blocksRead: number;
  blocksVerified: number;
  blocksWritten: number;
  bytesRead: number;
  pending: PendingTable[];
  /** what the import could not interpret (first NOTES_KEPT of them), and how many there were */
  notes: string[];
  notesCount: number;
  /** set once the import failed: a restart finishes removing what it wrote */
  error?: string;
}

export const NOTES_KEPT = 50;

export function newProgress(): ImportProgress {
  return { tip: -1, blocksRead: 0, blocksVerified: 0, blocksWritten: 0, bytesRead: 0, pending: [], notes: [], notesCount: 0 };
}


/**
 * The JournalS3ImportDescription shape; `T` is how times travel (Date in the server, epoch
 * seconds in JSON, as every control-plane timestamp).
 */
export interface ImportDescriptionOf<T> {
  LedgerName: string;
  ImportId: string;
  ImportCreationTime: T;
  Status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  S3ImportConfiguration: { Bucket: string; Prefix: string; ExportIds?: string[] };
  /** base64 */
  Digest?: string;
  DigestTipAddress?: { IonText: string };
  StrandId?: string;
  TotalBlocks?: number;
  BlocksRead: number;
  BlocksVerified: number;
  BlocksWritten: number;
  BytesRead: number;
  /** what the import kept verbatim in the journal but could not interpret (the first 50) */
  NotUnderstood?: string[];
  NotUnderstoodCount?: number;
  ImportCompletionTime?: T;
  ErrorMessage?: string;
}
