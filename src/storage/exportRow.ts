/**
 * A row of journal_s3_exports as both stores read it (SQLite's and PostgreSQL's columns have the
 * same names; PostgreSQL's bigints come back as numbers, see postgres/sql.ts).
 */
import type { ExportJob, ExportStatus } from '../exports/types';

export interface Row {
  export_id: string;
  account_id: string;
  region: string;
  ledger_id: string;
  ledger_name: string;
  created_ms: number;
  status: ExportStatus;
  start_ms: number;
  end_ms: number;
  bucket: string;
  prefix: string;
  encryption_type: ExportJob['encryptionType'];
  kms_key_arn: string | null;
  role_arn: string;
  output_format: ExportJob['outputFormat'] | null;
  strand_id: string;
  first_seq: number | null;
  last_seq: number | null;
  max_object_bytes: number;
  max_object_blocks: number;
  next_seq: number | null;
  finished_ms: number | null;
  cancel_reason: string | null;
}

export function toJob(r: Row): ExportJob {
  return {
    exportId: r.export_id,
    accountId: r.account_id,
    region: r.region,
    ledgerId: r.ledger_id,
    ledgerName: r.ledger_name,
    createdMs: r.created_ms,
    status: r.status,
    startMs: r.start_ms,
    endMs: r.end_ms,
    bucket: r.bucket,
    prefix: r.prefix,
    encryptionType: r.encryption_type,
    kmsKeyArn: r.kms_key_arn ?? undefined,
    roleArn: r.role_arn,
    outputFormat: r.output_format ?? undefined,
    strandId: r.strand_id,
    firstSeq: r.first_seq ?? undefined,
    lastSeq: r.last_seq ?? undefined,
    maxObjectBytes: r.max_object_bytes,
    maxObjectBlocks: r.max_object_blocks,
    nextSeq: r.next_seq ?? undefined,
    finishedMs: r.finished_ms ?? undefined,
    cancelReason: r.cancel_reason ?? undefined,
  };
}
