/**
 * What the README's note on whole seconds says: /usr/bin/aws (botocore) sends ExclusiveEndTime as
 * whole epoch seconds, so an end just after a write, inside that write's second, leaves its block
 * out; the JS SDK sends milliseconds and keeps it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeJournalS3ExportCommand,
  ExportJournalToS3Command,
  GetBlockCommand,
  GetDigestCommand,
  QLDBClient,
} from '@aws-sdk/client-qldb';
import { load } from 'ion-js';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';
import { createLedger, newDriver } from './sessionHelpers';

const LEDGER = 'whole-seconds';
const BUCKET = 'whole-seconds-bucket';
const ROLE = 'arn:aws:iam::123456789012:role/export';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ExclusiveEndTime from botocore is whole seconds', () => {
  let server: TestServer;
  let qldb: QLDBClient;
  before(async () => {
    server = await startServer();
    qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await createLedger(server.endpoint, LEDGER);
  });
  after(async () => {
    qldb.destroy();
    await server.dispose();
  });

  interface Tip {
    strandId: string;
    seq: number;
    /** blockTimestamp, epoch ms */
    time: number;
  }

  async function tipBlock(): Promise<Tip> {
    const d = await qldb.send(new GetDigestCommand({ Name: LEDGER }));
    const b = await qldb.send(new GetBlockCommand({ Name: LEDGER, BlockAddress: d.DigestTipAddress! }));
    const block = load(b.Block!.IonText!)!;
    return {
      strandId: block.get('blockAddress', 'strandId')!.stringValue()!,
      seq: block.get('blockAddress', 'sequenceNo')!.numberValue()!,
      time: block.get('blockTimestamp')!.timestampValue()!.getDate().getTime(),
    };
  }

  /** The last block an export holds, and the ExclusiveEndTime its started manifest records. */
  async function exportedRange(exportId: string, prefix: string, strandId: string): Promise<{ last: number; end: string }> {
    for (let i = 0; ; i++) {
      const d = await qldb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId: exportId }));
      if (d.ExportDescription!.Status === 'COMPLETED') break;
      assert.ok(i < 500, 'export did not complete');
      await sleep(20);
    }
    const dir = join(server.dataDir, 's3', BUCKET);
    const keys: string[] = load(readFileSync(join(dir, `${prefix}${exportId}.${strandId}.completed.manifest`), 'utf8'))!.get('keys')!.elements().map((k) => k.stringValue()!);
    const started = load(readFileSync(join(dir, `${prefix}${exportId}.started.manifest`), 'utf8'))!;
    return {
      last: Math.max(-1, ...keys.map((k) => Number(/\.\d+-(\d+)\.ion$/.exec(k)![1]))),
      end: started.get('exclusiveEndTime')!.timestampValue()!.getDate().toISOString(),
    };
  }

  it('awscli leaves out the blocks of the end time\'s second; the JS SDK keeps them', async () => {
    // a write in a later second than the ledger's creation, and not in a second's last millisecond
    const driver = newDriver(server.endpoint, LEDGER);
    let tip: Tip;
    try {
      await sleep(1050 - (Date.now() % 1000));
      await driver.executeLambda((t) => t.execute('CREATE TABLE Person'));
      for (;;) {
        await driver.executeLambda((t) => t.execute('INSERT INTO Person ?', { GovId: 'P1' }));
        tip = await tipBlock();
        if (tip.time % 1000 !== 999) break;
      }
    } finally {
      driver.close();
    }
    // right after the write: one millisecond past its block, in the same second
    const end = new Date(tip.time + 1);
    while (Date.now() <= end.getTime()) await sleep(1);
    const start = new Date(tip.time - 3_600_000);
    const config = (prefix: string) => ({ Bucket: BUCKET, Prefix: prefix, EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' as const } });

    const cli = await aws(server.endpoint, [
      'qldb', 'export-journal-to-s3', '--name', LEDGER,
      '--inclusive-start-time', start.toISOString(), '--exclusive-end-time', end.toISOString(),
      '--s3-export-configuration', JSON.stringify(config('cli/')), '--role-arn', ROLE,
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const byCli = await exportedRange(cli.json.ExportId, 'cli/', tip.strandId);
    assert.equal(byCli.end, new Date(Math.floor(end.getTime() / 1000) * 1000).toISOString(), 'awscli sent whole seconds');
    assert.ok(byCli.last < tip.seq, `block ${tip.seq} (${new Date(tip.time).toISOString()}) is left out: the export ends at block ${byCli.last}`);

    const { ExportId } = await qldb.send(
      new ExportJournalToS3Command({ Name: LEDGER, InclusiveStartTime: start, ExclusiveEndTime: end, RoleArn: ROLE, S3ExportConfiguration: config('sdk/') }),
    );
    const bySdk = await exportedRange(ExportId!, 'sdk/', tip.strandId);
    assert.equal(bySdk.end, end.toISOString());
    assert.equal(bySdk.last, tip.seq);
  });
});
