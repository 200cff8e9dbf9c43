/** Shared by the tests of several nodes on one PostgreSQL database (cluster, clusterFaults). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
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
  return { nodes, balancer, s3, close };
}
