/**
 * The control-plane registry: operation name → handler. One line per operation file; an
 * operation of the model without a line here answers UnsupportedOperationException.
 */
import type { OperationContext } from '../types';
import * as createLedger from './createLedger';
import * as describeLedger from './describeLedger';
import * as listLedgers from './listLedgers';
import * as updateLedger from './updateLedger';
import * as updateLedgerPermissionsMode from './updateLedgerPermissionsMode';
import * as deleteLedger from './deleteLedger';
import * as tagResource from './tagResource';
import * as untagResource from './untagResource';
import * as listTagsForResource from './listTagsForResource';
import * as streamJournalToKinesis from './streamJournalToKinesis';
import * as describeJournalKinesisStream from './describeJournalKinesisStream';
import * as listJournalKinesisStreamsForLedger from './listJournalKinesisStreamsForLedger';
import * as cancelJournalKinesisStream from './cancelJournalKinesisStream';
import * as exportJournalToS3 from './exportJournalToS3';
import * as describeJournalS3Export from './describeJournalS3Export';
import * as listJournalS3Exports from './listJournalS3Exports';
import * as listJournalS3ExportsForLedger from './listJournalS3ExportsForLedger';
import * as getDigest from './getDigest';
import * as getBlock from './getBlock';
import * as getRevision from './getRevision';

type Handler = (input: any, ctx: OperationContext) => unknown;

export const controlHandlers: Record<string, Handler> = {
  CreateLedger: createLedger.handle,
  DescribeLedger: describeLedger.handle,
  ListLedgers: listLedgers.handle,
  UpdateLedger: updateLedger.handle,
  UpdateLedgerPermissionsMode: updateLedgerPermissionsMode.handle,
  DeleteLedger: deleteLedger.handle,
  TagResource: tagResource.handle,
  UntagResource: untagResource.handle,
  ListTagsForResource: listTagsForResource.handle,
  StreamJournalToKinesis: streamJournalToKinesis.handle,
  DescribeJournalKinesisStream: describeJournalKinesisStream.handle,
  ListJournalKinesisStreamsForLedger: listJournalKinesisStreamsForLedger.handle,
  CancelJournalKinesisStream: cancelJournalKinesisStream.handle,
  ExportJournalToS3: exportJournalToS3.handle,
  DescribeJournalS3Export: describeJournalS3Export.handle,
  ListJournalS3Exports: listJournalS3Exports.handle,
  ListJournalS3ExportsForLedger: listJournalS3ExportsForLedger.handle,
  GetDigest: getDigest.handle,
  GetBlock: getBlock.handle,
  GetRevision: getRevision.handle,
};
