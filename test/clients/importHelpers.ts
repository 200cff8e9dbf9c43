/** Shared by the journal-import client tests: the extension operations' client, and waiting for an import. */
import { testCredentials } from '../helpers/server';
import { until } from './clusterHelpers';
import { ImportClient, type ImportDescription, type ImportJournalInput } from '../../src/cli/commands/importClient';

export const IMPORT_BUCKET = 'qldb-exports';

export function importClient(endpoint: string, region = 'us-east-1', credentials = testCredentials): ImportClient {
  return new ImportClient({ endpoint, region, credentials: async () => credentials });
}

export async function waitImported(c: ImportClient, id: string, timeoutMs = 60_000): Promise<ImportDescription> {
  let d!: ImportDescription;
  await until(`import ${id} ends`, async () => (d = await c.describe(id)).Status !== 'IN_PROGRESS', timeoutMs);
  return d;
}

export function importInput(name: string, prefix: string, over: Partial<ImportJournalInput> = {}): ImportJournalInput {
  return { Name: name, S3ImportConfiguration: { Bucket: IMPORT_BUCKET, Prefix: prefix }, PermissionsMode: 'STANDARD', DeletionProtection: false, ...over };
}

