/** Shared by the tests of several nodes on one PostgreSQL database (cluster, clusterFaults). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { load } from 'ion-js';
import {
  DescribeJournalS3ExportCommand,
  DescribeLedgerCommand,
  ExportJournalToS3Command,
  QLDBClient,
  type GetDigestCommandOutput,
} from '@aws-sdk/client-qldb';
import { runVerify } from '../../src/cli/verify';
import { freshDatabase } from '../helpers/postgres';
import { roundRobin, type RoundRobin } from '../helpers/roundRobin';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { createLedger } from './sessionHelpers';

export function control(endpoint: string): QLDBClient {
  return new QLDBClient({ endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the node at `endpoint` sees the ledger ACTIVE (other nodes' ledgers: within the ledger state delay). */
export async function waitActive(endpoint: string, ledger: string): Promise<void> {
  const c = control(endpoint);
  try {
    await until(`node ${endpoint} sees the ledger ${ledger}`, () =>
      c.send(new DescribeLedgerCommand({ Name: ledger })).then((d) => d.State === 'ACTIVE', () => false),
    );
  } finally {
    c.destroy();
  }
}

export interface Cluster {
  nodes: TestServer[];
  balancer: RoundRobin;
  /** the database every node serves from */
  url: string;
  /** the local S3 directory every node exports to */
  s3: string;
  close(): Promise<void>;
}

/**
 * `size` nodes on a fresh database behind a round-robin balancer, sharing one local S3
 * directory, with `ledger` created through the balancer and ACTIVE on every node.
 */
export async function startCluster(size: number, ledger: string, flags: string[] = [], env?: NodeJS.ProcessEnv): Promise<Cluster> {
  // dropped by close(): a suite's cleanup registered inside `before` would run too early
  const drops: (() => Promise<void>)[] = [];
  const url = await freshDatabase({ after: (fn) => drops.push(fn) });
  const s3 = mkdtempSync(join(tmpdir(), 'openqldb-cluster-s3-'));
  const nodes: TestServer[] = [];
  let balancer: RoundRobin | undefined;
  const close = async () => {
    await balancer?.close();
    for (const n of nodes) await n.dispose();
    rmSync(s3, { recursive: true, force: true });
    for (const drop of drops) await drop();
  };
  try {
    // one after the other: the first creates the schema, the others find it
    for (let i = 0; i < size; i++) nodes.push(await startServer(['--database-url', url, '--s3-local-dir', s3, ...flags], { env }));
    balancer = await roundRobin(nodes.map((n) => n.endpoint));
    await createLedger(balancer.endpoint, ledger);
    for (const n of nodes) await waitActive(n.endpoint, ledger);
  } catch (e) {
    await close();
    throw e;
  }
  return { nodes, balancer, url, s3, close };
}

/** Exports `ledger`'s whole journal through `endpoint` (to the nodes' local S3 directory) and waits for COMPLETED; returns the export's id. */
export async function exportJournal(endpoint: string, ledger: string, bucket: string, prefix: string, end = new Date(), timeoutMs = 30_000): Promise<string> {
  const c = control(endpoint);
  try {
    const described = await c.send(new DescribeLedgerCommand({ Name: ledger }));
    const { ExportId } = await c.send(
      new ExportJournalToS3Command({
        Name: ledger,
        InclusiveStartTime: described.CreationDateTime,
        ExclusiveEndTime: end,
        RoleArn: 'arn:aws:iam::000000000000:role/export',
        S3ExportConfiguration: { Bucket: bucket, Prefix: prefix, EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
      }),
    );
    await until(`export ${ExportId} completes`, async () => {
      const d = await c.send(new DescribeJournalS3ExportCommand({ Name: ledger, ExportId }));
      assert.notEqual(d.ExportDescription!.Status, 'CANCELLED');
      return d.ExportDescription!.Status === 'COMPLETED';
    }, timeoutMs);
    return ExportId!;
  } finally {
    c.destroy();
  }
}

/** `openqldb verify` over an export, against a digest: the chain from block 0 to the digest's tip. */
export async function verifyExport(s3: string, bucket: string, prefix: string, digest: GetDigestCommandOutput): Promise<void> {
  const tip = load(digest.DigestTipAddress!.IonText!)!.get('sequenceNo')!.numberValue()!;
  let out = '';
  const code = await runVerify(
    ['--dir', s3, '--bucket', bucket, '--prefix', prefix, '--digest', Buffer.from(digest.Digest!).toString('base64'), '--tip', String(tip)],
    { out: (t) => (out += t), err: (t) => (out += t) },
  );
  assert.equal(code, 0, out);
  const ok = new RegExp(`OK — blocks 0\\.\\.${tip} in (\\d+) (objects?)`).exec(out);
  assert.ok(ok, out);
  assert.equal(ok[2], ok[1] === '1' ? 'object' : 'objects', 'the count and its noun agree');
}
