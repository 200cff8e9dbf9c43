/**
 * The control-plane registry: operation name → handler. One line per operation file; an
 * operation of the model without a line here answers UnsupportedOperationException.
 *
 * Each operation's module loads on its first call: several bring Ion, the journal or the
 * exports with them, which a server answering only other operations (or starting up) need not
 * load.
 */
import type { OperationContext } from '../types';

type Handler = (input: any, ctx: OperationContext) => unknown;

function onFirstCall(load: () => { handle: Handler }): Handler {
  let handle: Handler | undefined;
  return (input, ctx) => (handle ??= load().handle)(input, ctx);
}

export const controlHandlers: Record<string, Handler> = {
  CreateLedger: onFirstCall(() => require('./createLedger')),
  DescribeLedger: onFirstCall(() => require('./describeLedger')),
  ListLedgers: onFirstCall(() => require('./listLedgers')),
  UpdateLedger: onFirstCall(() => require('./updateLedger')),
  UpdateLedgerPermissionsMode: onFirstCall(() => require('./updateLedgerPermissionsMode')),
  DeleteLedger: onFirstCall(() => require('./deleteLedger')),
  TagResource: onFirstCall(() => require('./tagResource')),
  UntagResource: onFirstCall(() => require('./untagResource')),
  ListTagsForResource: onFirstCall(() => require('./listTagsForResource')),
  StreamJournalToKinesis: onFirstCall(() => require('./streamJournalToKinesis')),
  DescribeJournalKinesisStream: onFirstCall(() => require('./describeJournalKinesisStream')),
  ListJournalKinesisStreamsForLedger: onFirstCall(() => require('./listJournalKinesisStreamsForLedger')),
  CancelJournalKinesisStream: onFirstCall(() => require('./cancelJournalKinesisStream')),
  ExportJournalToS3: onFirstCall(() => require('./exportJournalToS3')),
  DescribeJournalS3Export: onFirstCall(() => require('./describeJournalS3Export')),
  ListJournalS3Exports: onFirstCall(() => require('./listJournalS3Exports')),
  ListJournalS3ExportsForLedger: onFirstCall(() => require('./listJournalS3ExportsForLedger')),
  GetDigest: onFirstCall(() => require('./getDigest')),
  GetBlock: onFirstCall(() => require('./getBlock')),
  GetRevision: onFirstCall(() => require('./getRevision')),
  ImportJournalFromS3: onFirstCall(() => require('./importJournalFromS3')),
  DescribeJournalS3Import: onFirstCall(() => require('./describeJournalS3Import')),
  ListJournalS3Imports: onFirstCall(() => require('./listJournalS3Imports')),
};
