/**
 * The control-plane operation table, transcribed from the published QLDB service model
 * (shared/spec/control-plane-model.md): each operation's HTTP binding and its input members
 * with their constraints, declared as data and checked by the one validator in validate.ts.
 */
import type { HttpMethod } from './types';
import { LEDGER_KMS_KEY_PATTERN } from '../ledger/arn';

export type Shape =
  | { type: 'string'; min?: number; max?: number; pattern?: string; enum?: readonly string[] }
  | { type: 'integer'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'timestamp' }
  | { type: 'blob'; min?: number; max?: number }
  | { type: 'structure'; members: Record<string, Member> }
  | { type: 'map'; min?: number; max?: number; key: Shape; value: Shape }
  | { type: 'list'; min?: number; max?: number; member: Shape };

export interface Member {
  shape: Shape;
  required?: boolean;
  /** where the member travels; body when absent */
  location?: 'uri' | 'querystring';
  /** the name on the wire when it differs from the member name (uri label or query key) */
  locationName?: string;
}

export interface OperationModel {
  name: string;
  method: HttpMethod;
  /** e.g. `/ledgers/{name}/journal-s3-exports/{exportId}` */
  path: string;
  input: Record<string, Member>;
}

const LEDGER_NAME_PATTERN = '(?!^.*--)(?!^[0-9]+$)(?!^-)(?!.*-$)^[A-Za-z0-9-]+$';
const ledgerName: Shape = { type: 'string', min: 1, max: 32, pattern: LEDGER_NAME_PATTERN };
const uniqueId: Shape = { type: 'string', min: 22, max: 22, pattern: '^[A-Za-z-0-9]+$' };
const arn: Shape = { type: 'string', min: 20, max: 1600 };
const tags: Shape = {
  type: 'map',
  min: 0,
  max: 200,
  key: { type: 'string', min: 1, max: 128 },
  value: { type: 'string', min: 0, max: 256 },
};
const permissionsMode: Shape = { type: 'string', enum: ['ALLOW_ALL', 'STANDARD'] };
const kmsKey: Shape = { type: 'string', max: 1600, pattern: LEDGER_KMS_KEY_PATTERN };
const maxResults: Member = { shape: { type: 'integer', min: 1, max: 100 }, location: 'querystring', locationName: 'max_results' };
const nextToken: Member = {
  shape: { type: 'string', min: 4, max: 1024, pattern: '^[A-Za-z-0-9+/=]+$' },
  location: 'querystring',
  locationName: 'next_token',
};
const ionText: Shape = { type: 'structure', members: { IonText: { shape: { type: 'string', min: 1, max: 1048576 } } } };
const uriLedger = (label: string): Member => ({ shape: ledgerName, required: true, location: 'uri', locationName: label });
const s3Bucket: Member = { shape: { type: 'string', min: 3, max: 255, pattern: '^[A-Za-z-0-9-_.]+$' }, required: true };
const s3Prefix: Member = { shape: { type: 'string', min: 0, max: 128 }, required: true };
const uriArn: Member = { shape: arn, required: true, location: 'uri', locationName: 'resourceArn' };

export const OPERATIONS: OperationModel[] = [
  {
    name: 'CreateLedger',
    method: 'POST',
    path: '/ledgers',
    input: {
      Name: { shape: ledgerName, required: true },
      Tags: { shape: tags },
      PermissionsMode: { shape: permissionsMode, required: true },
      DeletionProtection: { shape: { type: 'boolean' } },
      KmsKey: { shape: kmsKey },
    },
  },
  { name: 'DescribeLedger', method: 'GET', path: '/ledgers/{name}', input: { Name: uriLedger('name') } },
  { name: 'ListLedgers', method: 'GET', path: '/ledgers', input: { MaxResults: maxResults, NextToken: nextToken } },
  {
    name: 'UpdateLedger',
    method: 'PATCH',
    path: '/ledgers/{name}',
    input: { Name: uriLedger('name'), DeletionProtection: { shape: { type: 'boolean' } }, KmsKey: { shape: kmsKey } },
  },
  {
    name: 'UpdateLedgerPermissionsMode',
    method: 'PATCH',
    path: '/ledgers/{name}/permissions-mode',
    input: { Name: uriLedger('name'), PermissionsMode: { shape: permissionsMode, required: true } },
  },
  { name: 'DeleteLedger', method: 'DELETE', path: '/ledgers/{name}', input: { Name: uriLedger('name') } },
  { name: 'TagResource', method: 'POST', path: '/tags/{resourceArn}', input: { ResourceArn: uriArn, Tags: { shape: tags, required: true } } },
  {
    name: 'UntagResource',
    method: 'DELETE',
    path: '/tags/{resourceArn}',
    input: {
      ResourceArn: uriArn,
      TagKeys: {
        shape: { type: 'list', min: 0, max: 200, member: { type: 'string', min: 1, max: 128 } },
        required: true,
        location: 'querystring',
        locationName: 'tagKeys',
      },
    },
  },
  { name: 'ListTagsForResource', method: 'GET', path: '/tags/{resourceArn}', input: { ResourceArn: uriArn } },
  {
    name: 'ExportJournalToS3',
    method: 'POST',
    path: '/ledgers/{name}/journal-s3-exports',
    input: {
      Name: uriLedger('name'),
      InclusiveStartTime: { shape: { type: 'timestamp' }, required: true },
      ExclusiveEndTime: { shape: { type: 'timestamp' }, required: true },
      S3ExportConfiguration: {
        required: true,
        shape: {
          type: 'structure',
          members: {
            Bucket: s3Bucket,
            Prefix: s3Prefix,
            EncryptionConfiguration: {
              required: true,
              shape: {
                type: 'structure',
                members: {
                  ObjectEncryptionType: { shape: { type: 'string', enum: ['SSE_KMS', 'SSE_S3', 'NO_ENCRYPTION'] }, required: true },
                  KmsKeyArn: { shape: arn },
                },
              },
            },
          },
        },
      },
      RoleArn: { shape: arn, required: true },
      OutputFormat: { shape: { type: 'string', enum: ['ION_BINARY', 'ION_TEXT', 'JSON'] } },
    },
  },
  {
    name: 'DescribeJournalS3Export',
    method: 'GET',
    path: '/ledgers/{name}/journal-s3-exports/{exportId}',
    input: { Name: uriLedger('name'), ExportId: { shape: uniqueId, required: true, location: 'uri', locationName: 'exportId' } },
  },
  { name: 'ListJournalS3Exports', method: 'GET', path: '/journal-s3-exports', input: { MaxResults: maxResults, NextToken: nextToken } },
  {
    name: 'ListJournalS3ExportsForLedger',
    method: 'GET',
    path: '/ledgers/{name}/journal-s3-exports',
    input: { Name: uriLedger('name'), MaxResults: maxResults, NextToken: nextToken },
  },
  { name: 'GetDigest', method: 'POST', path: '/ledgers/{name}/digest', input: { Name: uriLedger('name') } },
  {
    name: 'GetBlock',
    method: 'POST',
    path: '/ledgers/{name}/block',
    input: { Name: uriLedger('name'), BlockAddress: { shape: ionText, required: true }, DigestTipAddress: { shape: ionText } },
  },
  {
    name: 'GetRevision',
    method: 'POST',
    path: '/ledgers/{name}/revision',
    input: {
      Name: uriLedger('name'),
      BlockAddress: { shape: ionText, required: true },
      DocumentId: { shape: uniqueId, required: true },
      DigestTipAddress: { shape: ionText },
    },
  },
  {
    name: 'StreamJournalToKinesis',
    method: 'POST',
    path: '/ledgers/{name}/journal-kinesis-streams',
    input: {
      LedgerName: uriLedger('name'),
      RoleArn: { shape: arn, required: true },
      Tags: { shape: tags },
      InclusiveStartTime: { shape: { type: 'timestamp' }, required: true },
      ExclusiveEndTime: { shape: { type: 'timestamp' } },
      KinesisConfiguration: {
        required: true,
        shape: {
          type: 'structure',
          members: { StreamArn: { shape: arn, required: true }, AggregationEnabled: { shape: { type: 'boolean' } } },
        },
      },
      StreamName: { shape: ledgerName, required: true },
    },
  },
  {
    name: 'DescribeJournalKinesisStream',
    method: 'GET',
    path: '/ledgers/{name}/journal-kinesis-streams/{streamId}',
    input: { LedgerName: uriLedger('name'), StreamId: { shape: uniqueId, required: true, location: 'uri', locationName: 'streamId' } },
  },
  {
    name: 'ListJournalKinesisStreamsForLedger',
    method: 'GET',
    path: '/ledgers/{name}/journal-kinesis-streams',
    input: { LedgerName: uriLedger('name'), MaxResults: maxResults, NextToken: nextToken },
  },
  {
    name: 'CancelJournalKinesisStream',
    method: 'DELETE',
    path: '/ledgers/{name}/journal-kinesis-streams/{streamId}',
    input: { LedgerName: uriLedger('name'), StreamId: { shape: uniqueId, required: true, location: 'uri', locationName: 'streamId' } },
  },
  // openqldb extensions (README): journal imports, the mirror image of ExportJournalToS3
  {
    name: 'ImportJournalFromS3',
    method: 'POST',
    path: '/journal-s3-imports',
    input: {
      Name: { shape: ledgerName, required: true },
      S3ImportConfiguration: {
        required: true,
        shape: {
          type: 'structure',
          members: {
            Bucket: s3Bucket,
            Prefix: s3Prefix,
            ExportIds: { shape: { type: 'list', min: 1, max: 100, member: uniqueId } },
          },
        },
      },
      Digest: { shape: { type: 'blob', min: 32, max: 32 } },
      DigestTipAddress: { shape: ionText },
      PermissionsMode: { shape: permissionsMode, required: true },
      DeletionProtection: { shape: { type: 'boolean' } },
      KmsKey: { shape: kmsKey },
      Tags: { shape: tags },
    },
  },
  {
    name: 'DescribeJournalS3Import',
    method: 'GET',
    path: '/journal-s3-imports/{importId}',
    input: { ImportId: { shape: uniqueId, required: true, location: 'uri', locationName: 'importId' } },
  },
  { name: 'ListJournalS3Imports', method: 'GET', path: '/journal-s3-imports', input: { MaxResults: maxResults, NextToken: nextToken } },
];
