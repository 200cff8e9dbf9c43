/** Shared by the journal stream tests: a QLDB client and a StreamJournalToKinesis request. */
import { QLDBClient, type StreamJournalToKinesisCommandInput } from '@aws-sdk/client-qldb';
import { testCredentials, type TestServer } from '../helpers/server';

export const ROLE = 'arn:aws:iam::123456789012:role/qldb-stream';

export function qldbClient(server: TestServer): QLDBClient {
  return new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
}

export function streamInput(ledger: string, streamArn: string, over: Partial<StreamJournalToKinesisCommandInput> = {}): StreamJournalToKinesisCommandInput {
  return {
    LedgerName: ledger,
    RoleArn: ROLE,
    InclusiveStartTime: new Date(Date.now() - 3_600_000),
    KinesisConfiguration: { StreamArn: streamArn },
    StreamName: 'audit-feed',
    ...over,
  };
}
