/**
 * Several openqldb nodes on one PostgreSQL database behind a round-robin balancer: the official
 * driver runs concurrent transactions on one ledger through it (every request to the next
 * node, so a session's commands land on every node and are handed to the one that holds it),
 * commits made on different nodes conflict as OCC says, the journal is one unbroken chain that
 * exports and verifies, and every node gives the same digest.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetDigestCommand } from '@aws-sdk/client-qldb';
import { QLDBSessionClient, SendCommandCommand, type SendCommandCommandInput } from '@aws-sdk/client-qldb-session';
import { load } from 'ion-js';
import { isOccConflictException } from 'amazon-qldb-driver-nodejs';
import { CommitDigest } from '../../src/journal/commitDigest';
import { connectClient } from '../../src/storage/postgres/db';
import { describePostgres } from '../helpers/postgres';
import type { RoundRobin } from '../helpers/roundRobin';
import { testCredentials, type TestServer } from '../helpers/server';
import { control, exportJournal, startCluster, verifyExport, type Cluster } from './clusterHelpers';
import { newDriver } from './sessionHelpers';

const LEDGER = 'cluster';

/** Deletes every commit footprint, as pruning does with those older than the retention. */
async function pruneAllFootprints(url: string): Promise<number> {
  const db = await connectClient(url);
  try {
    return (await db.query('DELETE FROM journal_footprints')).rowCount ?? 0;
  } finally {
    await db.end();
  }
}

/** Polls `count` (a query answering a row with `n`) until it counts something: a session waiting for a lock. */
async function untilCounted(db: Awaited<ReturnType<typeof connectClient>>, count: string, never: string): Promise<void> {
  for (let i = 0; Number((await db.query(count)).rows[0].n) === 0; i++) {
    assert.ok(i < 200, never);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One session driven command by command against one node, to commit exactly when a test says. */
class NodeSession {
  private readonly client: QLDBSessionClient;
  private token = '';
  constructor(endpoint: string) {
    this.client = new QLDBSessionClient({ endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
  }
  private send(input: SendCommandCommandInput) {
    return this.client.send(new SendCommandCommand({ SessionToken: this.token || undefined, ...input }));
  }
  async start(): Promise<void> {
    this.token = (await this.send({ StartSession: { LedgerName: LEDGER } })).StartSession!.SessionToken!;
  }
  /** Runs `statements` in a new transaction; returns a commit to call later. */
  async run(...statements: string[]): Promise<() => Promise<unknown>> {
    const tx = (await this.send({ StartTransaction: {} })).StartTransaction!.TransactionId!;
    const digest = new CommitDigest(tx);
    for (const s of statements) {
      digest.addStatement(s);
      await this.send({ ExecuteStatement: { TransactionId: tx, Statement: s } });
    }
    return () => this.send({ CommitTransaction: { TransactionId: tx, CommitDigest: digest.digest() } });
  }
  /** Field `n` of the first document `select` answers, in a transaction of its own, once that committed. */
  async readN(select: string): Promise<number> {
    const tx = (await this.send({ StartTransaction: {} })).StartTransaction!.TransactionId!;
    const digest = new CommitDigest(tx);
    digest.addStatement(select);
    const page = (await this.send({ ExecuteStatement: { TransactionId: tx, Statement: select } })).ExecuteStatement!.FirstPage!;
    const n = load(page.Values![0].IonBinary!)!.get('n')!.numberValue()!;
    await this.send({ CommitTransaction: { TransactionId: tx, CommitDigest: digest.digest() } });
    return n;
  }
  close(): void {
    this.client.destroy();
  }
}

for (const size of [2, 3]) {
  describePostgres(`${size} nodes on one PostgreSQL database behind a round-robin balancer`, () => {
    let cluster: Cluster;
    let nodes: TestServer[];
    let balancer: RoundRobin;
    let s3: string;

    before(async () => {
      cluster = await startCluster(size, LEDGER, ['--export-object-max-blocks', '16']);
      ({ nodes, balancer, s3 } = cluster);
    });
    after(() => cluster?.close());

    it('the driver commits concurrent transactions through every node; conflicts retry; no update is lost', async () => {
      const driver = newDriver(balancer.endpoint, LEDGER, 20);
      try {
        await driver.executeLambda((t) => t.execute('CREATE TABLE Counter'));
        await driver.executeLambda((t) => t.execute('CREATE INDEX ON Counter (k)'));
        for (let k = 0; k < 4; k++) await driver.executeLambda((t) => t.execute('INSERT INTO Counter ?', { k, n: 0 }));
        let attempts = 0;
        // as many at once as the driver's session pool holds
        const increments = 8;
        await Promise.all(
          Array.from({ length: increments }, (_, i) =>
            driver.executeLambda(async (t) => {
              attempts++;
              const k = i % 4;
              const row = (await t.execute('SELECT n FROM Counter WHERE k = ?', k)).getResultList()[0];
              await t.execute('UPDATE Counter SET n = ? WHERE k = ?', row.get('n')!.numberValue()! + 1, k);
            }),
          ),
        );
        const total = (await driver.executeLambda((t) => t.execute('SELECT n FROM Counter'))).getResultList().reduce((sum, r) => sum + r.get('n')!.numberValue()!, 0);
        assert.equal(total, increments, 'every acknowledged increment is there, once');
        assert.ok(attempts >= increments);
      } finally {
        driver.close();
      }
      for (let i = 0; i < size; i++) assert.ok(balancer.counts[i] > 10, `node ${i} served requests (${balancer.counts.join(', ')})`);
    });

    it('a commit on one node conflicts with a commit on another that read what it changed', async () => {
      const a = new NodeSession(nodes[0].endpoint);
      const b = new NodeSession(nodes[1].endpoint);
      try {
        await a.start();
        await b.start();
        const commitA = await a.run("UPDATE Counter SET n = 100 WHERE k = 0");
        const commitB = await b.run("UPDATE Counter SET n = 200 WHERE k = 0");
        await commitA();
        await assert.rejects(commitB(), (e: unknown) => isOccConflictException(e as Parameters<typeof isOccConflictException>[0]));
        // a transaction that starts afterwards on the second node sees the first node's commit
        const read = await b.run('SELECT n FROM Counter WHERE k = 0');
        await read();
        const again = await b.run('UPDATE Counter SET n = n + 1 WHERE k = 0');
        await again();
        const driver = newDriver(nodes[size - 1].endpoint, LEDGER);
        const n = (await driver.executeLambda((t) => t.execute('SELECT n FROM Counter WHERE k = 0'))).getResultList()[0].get('n')!.numberValue();
        driver.close();
        assert.equal(n, 101);
      } finally {
        a.close();
        b.close();
      }
    });

    it('a node whose state is behind footprints already pruned reloads it: the transaction it had open conflicts, the next one commits', async () => {
      const a = new NodeSession(nodes[0].endpoint);
      const b = new NodeSession(nodes[1].endpoint);
      const driver = newDriver(balancer.endpoint, LEDGER);
      const value = async (k: number) =>
        (await driver.executeLambda((t) => t.execute('SELECT n FROM Counter WHERE k = ?', k))).getResultList()[0].get('n')!.numberValue()!;
      try {
        await a.start();
        await b.start();
        // b's transaction touches what a's do not: only b's node being behind can refuse it
        const round = async () => {
          const commitB = await b.run('UPDATE Counter SET n = n + 10 WHERE k = 3');
          for (let i = 0; i < 3; i++) await (await a.run('UPDATE Counter SET n = n + 1 WHERE k = 2'))();
          return commitB;
        };
        const k2 = await value(2);
        const k3 = await value(3);
        // with the other node's footprints there, b's node catches up and commits
        await (await round())();
        // once they are gone, as a node prunes them when they are older than the retention, b's
        // node cannot tell what the other one committed since its state: it reloads the state, and
        // the transaction it had open ends in an OCC conflict, which the drivers retry
        const commitB = await round();
        assert.ok((await pruneAllFootprints(cluster.url)) >= 3);
        await assert.rejects(commitB(), (e: unknown) => isOccConflictException(e as Parameters<typeof isOccConflictException>[0]));
        await (await b.run('UPDATE Counter SET n = n + 10 WHERE k = 3'))();
        assert.equal(await value(2), k2 + 6);
        assert.equal(await value(3), k3 + 20);
      } finally {
        a.close();
        b.close();
        driver.close();
      }
    });

    it("a transaction started while its node's batch is still being written reads from before that batch and conflicts with it", async () => {
      // PostgreSQL shows a batch to readers only when its COMMIT returns. A transaction that
      // started in between and took the batch's block as its snapshot read the rows from before
      // it, found no later commit to conflict with, and overwrote the batch's update.
      const a = new NodeSession(nodes[0].endpoint);
      const b = new NodeSession(nodes[0].endpoint);
      const driver = newDriver(nodes[0].endpoint, LEDGER);
      const value = async () =>
        (await driver.executeLambda((t) => t.execute('SELECT n FROM Counter WHERE k = 1'))).getResultList()[0].get('n')!.numberValue()!;
      const locker = await connectClient(cluster.url);
      try {
        await a.start();
        await b.start();
        const before = await value();
        const commitA = await a.run('UPDATE Counter SET n = n + 1 WHERE k = 1');
        // hold a's batch after it is built, at its first write of a block: the window, widened
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE journal_blocks IN EXCLUSIVE MODE');
        const outcomeA = commitA().then(() => 'committed', (e: Error) => e.name);
        await untilCounted(locker, "SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND relation = 'journal_blocks'::regclass", "a's batch never reached its write of the block");
        const commitB = await b.run('UPDATE Counter SET n = n + 10 WHERE k = 1');
        const outcomeB = commitB().then(() => 'committed', (e: Error) => e.name);
        await new Promise((r) => setTimeout(r, 100)); // b's commit queued behind a's batch
        await locker.query('COMMIT');
        assert.equal(await outcomeA, 'committed');
        assert.equal(await outcomeB, 'OccConflictException');
        assert.equal(await value(), before + 1, "a's update is there, b's did not overwrite it");
        // b's retry starts after a's batch and commits on top of it
        await (await b.run('UPDATE Counter SET n = n + 10 WHERE k = 1'))();
        assert.equal(await value(), before + 11);
      } finally {
        await locker.query('ROLLBACK').catch(() => {});
        await locker.end();
        a.close();
        b.close();
        driver.close();
      }
    });

    it("a transaction started while its node's batch waits for the ledger's lock sees what another node committed before it", async () => {
      // A node learns of the other nodes' commits when a transaction starts (from the store's
      // tip) and when it builds a batch. With a batch of its own still waiting for the tip lock,
      // it used to keep its state as it was: a transaction starting then read from before a
      // commit another node had acknowledged, and ended in an OCC conflict.
      const a = new NodeSession(nodes[0].endpoint);
      const c = new NodeSession(nodes[0].endpoint);
      const b = new NodeSession(nodes[1].endpoint);
      const locker = await connectClient(cluster.url);
      try {
        await a.start();
        await b.start();
        await c.start();
        const before = await c.readN('SELECT n FROM Counter WHERE k = 3');
        const commitA = await a.run('UPDATE Counter SET n = n + 1 WHERE k = 2');
        await (await b.run('UPDATE Counter SET n = n + 10 WHERE k = 3'))();
        // the ledger's tip row held, as a batch of another node holds it while it is written
        await locker.query('BEGIN');
        await locker.query('SELECT s.ledger_id FROM journal_strands s JOIN ledgers l ON l.ledger_id = s.ledger_id WHERE l.name = $1 FOR UPDATE OF s', [LEDGER]);
        const outcomeA = commitA().then(() => 'committed', (e: Error) => e.name);
        await untilCounted(locker, "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()", "a's batch never waited for the tip lock");
        const read = c.readN('SELECT n FROM Counter WHERE k = 3').then(
          (n) => n,
          (e: Error) => e.name,
        );
        await new Promise((r) => setTimeout(r, 200));
        await locker.query('COMMIT');
        assert.equal(await outcomeA, 'committed');
        assert.equal(await read, before + 10, "the commit acknowledged by the other node before the transaction started");
      } finally {
        await locker.query('ROLLBACK').catch(() => {});
        await locker.end();
        a.close();
        b.close();
        c.close();
      }
    });

    it('every node gives the same digest, and the exported journal verifies against it', async () => {
      const digests = [];
      for (const n of nodes) {
        const c = control(n.endpoint);
        digests.push(await c.send(new GetDigestCommand({ Name: LEDGER })));
        c.destroy();
      }
      for (const d of digests.slice(1)) {
        assert.deepEqual(Buffer.from(d.Digest!), Buffer.from(digests[0].Digest!));
        assert.equal(d.DigestTipAddress!.IonText, digests[0].DigestTipAddress!.IonText);
      }
      // the range ends now, after the tip's block
      await new Promise((r) => setTimeout(r, 20));
      await exportJournal(balancer.endpoint, LEDGER, 'cluster-audit', 'journal/');
      await verifyExport(s3, 'cluster-audit', 'journal/', digests[0]);
    });
  });
}

describePostgres('2 nodes under --auth strict: a forwarded request keeps its signature', () => {
  let cluster: Cluster;
  let balancer: RoundRobin;

  before(async () => {
    const env = { OPENQLDB_ACCESS_KEY_ID: testCredentials.accessKeyId, OPENQLDB_SECRET_ACCESS_KEY: testCredentials.secretAccessKey };
    cluster = await startCluster(2, LEDGER, ['--auth', 'strict'], env);
    ({ balancer } = cluster);
  });
  after(() => cluster?.close());

  it('the driver works through both nodes; a wrong secret is refused by whichever node answers', async () => {
    const driver = newDriver(balancer.endpoint, LEDGER);
    try {
      await driver.executeLambda((t) => t.execute('CREATE TABLE Signed'));
      for (let i = 0; i < 4; i++) await driver.executeLambda((t) => t.execute('INSERT INTO Signed ?', { i }));
      const n = (await driver.executeLambda((t) => t.execute('SELECT COUNT(*) AS n FROM Signed'))).getResultList()[0].get('n')!.numberValue();
      assert.equal(n, 4);
    } finally {
      driver.close();
    }
    const wrong = new QLDBSessionClient({
      endpoint: balancer.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: testCredentials.accessKeyId, secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(wrong.send(new SendCommandCommand({ StartSession: { LedgerName: LEDGER } })), (e: Error) => e.name === 'InvalidSignatureException' || /signature/i.test(e.message));
    }
    wrong.destroy();
  });
});
