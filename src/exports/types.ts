/** An export job as the exports component sees it (one row of journal_s3_exports). */
import type { OutputFormat } from './encoders';
import type { ObjectEncryptionType } from './sinks/sink';

export type ExportStatus = 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';

export interface ExportJob {
  exportId: string;
  accountId: string;
  region: string;
  ledgerId: string;
  ledgerName: string;
  createdMs: number;
  status: ExportStatus;
  /** effective InclusiveStartTime, epoch ms */
  startMs: number;
  endMs: number;
  bucket: string;
  prefix: string;
  encryptionType: ObjectEncryptionType;
  kmsKeyArn?: string;
  roleArn: string;
  /** as requested; undefined = not given (the data is ION_TEXT) */
  outputFormat?: OutputFormat;
  strandId: string;
  /** first and last block of the range (fixed when the job is created), undefined when it holds none */
  firstSeq?: number;
  lastSeq?: number;
  maxObjectBytes: number;
  maxObjectBlocks: number;
  /** resume point: first block not yet in a written data object */
  nextSeq?: number;
  finishedMs?: number;
  cancelReason?: string;
}

export interface ExportObject {
  ordinal: number;
  key: string;
  firstSeq: number;
  lastSeq: number;
}

export function dataFormat(job: ExportJob): OutputFormat {
  return job.outputFormat ?? 'ION_TEXT';
}
