/**
 * What exports need from the journal: the strand, the run of blocks a time range covers, and the
 * stored bytes of those blocks in bounded batches. Reads are synchronous and never span an
 * await: an open better-sqlite3 statement would keep the connection busy (and block every
 * commit) while an export waits on S3.
 */
export interface ExportJournal {
  /** the database file, when worker threads may open it to read segments in parallel */
  readonly dbPath?: string;
  strand(ledgerId: string): { strandId: string; tipSequenceNo: number } | undefined;
  /**
   * The first and last block whose blockTimestamp is in [startMs, endMs), if any. Timestamps
   * grow with sequence numbers (one strand, one writer), so the range is the run between them.
   */
  sequenceRange(ledgerId: string, startMs: number, endMs: number): { first: number; last: number } | undefined;
  /** The stored Ion binary of blocks fromSeq..toSeq in sequence order, at most maxBlocks of them. */
  readBlocks(ledgerId: string, fromSeq: number, toSeq: number, maxBlocks: number): Buffer[];
}
