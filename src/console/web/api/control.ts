/**
 * The control plane as the AWS SDK calls it: REST-JSON on the same routes, bodies and query
 * names (src/api/model.ts), timestamps as epoch seconds.
 */
import { sendJson } from './http';

export interface Ledger {
  Name: string;
  Arn?: string;
  State: string;
  CreationDateTime?: number;
  PermissionsMode?: string;
  DeletionProtection?: boolean;
  EncryptionDescription?: { KmsKeyArn?: string; EncryptionStatus?: string };
}

export interface ExportDescription {
  LedgerName: string;
  ExportId: string;
  ExportCreationTime: number;
  Status: 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
  InclusiveStartTime: number;
  ExclusiveEndTime: number;
  S3ExportConfiguration: { Bucket: string; Prefix: string; EncryptionConfiguration: { ObjectEncryptionType: string; KmsKeyArn?: string } };
  RoleArn: string;
  OutputFormat?: string;
}

export interface StreamDescription {
  LedgerName: string;
  StreamId: string;
  StreamName: string;
  Arn?: string;
  Status: 'ACTIVE' | 'COMPLETED' | 'CANCELED' | 'FAILED' | 'IMPAIRED';
  CreationTime?: number;
  InclusiveStartTime?: number;
  ExclusiveEndTime?: number;
  RoleArn?: string;
  KinesisConfiguration: { StreamArn: string; AggregationEnabled?: boolean };
  ErrorCause?: string;
}

export interface Digest {
  Digest: string;
  DigestTipAddress: { IonText: string };
}

export interface ProvableAnswer {
  Revision?: { IonText: string };
  Block?: { IonText: string };
  Proof?: { IonText: string };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const ledgerPath = (name: string) => `/ledgers/${encodeURIComponent(name)}`;
const post = (path: string, body: object, method = 'POST') => sendJson({ method, path, headers: JSON_HEADERS, body: JSON.stringify(body) });

/** Every page of a paginated list. */
async function allPages<T>(path: string, member: string): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await sendJson({ method: 'GET', path, query: { max_results: '100', next_token: token } });
    out.push(...(page[member] ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

export const listLedgers = () => allPages<Ledger>('/ledgers', 'Ledgers');
export const describeLedger = (name: string): Promise<Ledger> => sendJson({ method: 'GET', path: ledgerPath(name) });

export interface CreateLedgerInput {
  Name: string;
  PermissionsMode: string;
  DeletionProtection: boolean;
  KmsKey?: string;
  Tags?: Record<string, string>;
}

export const createLedger = (input: CreateLedgerInput): Promise<Ledger> => post('/ledgers', input);
export const updateLedger = (name: string, input: { DeletionProtection?: boolean; KmsKey?: string }): Promise<Ledger> => post(ledgerPath(name), input, 'PATCH');
export const updatePermissionsMode = (name: string, mode: string) => post(`${ledgerPath(name)}/permissions-mode`, { PermissionsMode: mode }, 'PATCH');
export const deleteLedger = (name: string) => sendJson({ method: 'DELETE', path: ledgerPath(name) });

export async function listTags(arn: string): Promise<Record<string, string>> {
  return (await sendJson({ method: 'GET', path: `/tags/${encodeURIComponent(arn)}` })).Tags ?? {};
}

export const listExports = (ledger: string) => allPages<ExportDescription>(`${ledgerPath(ledger)}/journal-s3-exports`, 'JournalS3Exports');

export const listStreams = (ledger: string) => allPages<StreamDescription>(`${ledgerPath(ledger)}/journal-kinesis-streams`, 'Streams');

export async function describeExport(ledger: string, id: string): Promise<ExportDescription> {
  return (await sendJson({ method: 'GET', path: `${ledgerPath(ledger)}/journal-s3-exports/${encodeURIComponent(id)}` })).ExportDescription;
}

export interface ExportInput {
  InclusiveStartTime: number;
  ExclusiveEndTime: number;
  S3ExportConfiguration: ExportDescription['S3ExportConfiguration'];
  RoleArn: string;
  OutputFormat: string;
}

export async function exportJournal(ledger: string, input: ExportInput): Promise<string> {
  return (await post(`${ledgerPath(ledger)}/journal-s3-exports`, input)).ExportId;
}

export const getDigest = (ledger: string): Promise<Digest> => post(`${ledgerPath(ledger)}/digest`, {});

export const getRevision = (ledger: string, blockAddress: string, documentId: string, tip?: string): Promise<ProvableAnswer> =>
  post(`${ledgerPath(ledger)}/revision`, { BlockAddress: { IonText: blockAddress }, DocumentId: documentId, ...(tip ? { DigestTipAddress: { IonText: tip } } : {}) });

export const getBlock = (ledger: string, blockAddress: string, tip?: string): Promise<ProvableAnswer> =>
  post(`${ledgerPath(ledger)}/block`, { BlockAddress: { IonText: blockAddress }, ...(tip ? { DigestTipAddress: { IonText: tip } } : {}) });
