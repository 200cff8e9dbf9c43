/**
 * A journal stream on two nodes sharing one PostgreSQL database: one node at a time runs it (the
 * lease exports use), and when that node dies (kill -9) the other takes the stream over once the
 * lease runs out and resumes from the saved position: every block reaches Kinesis.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamJournalToKinesisCommand } from '@aws-sdk/client-qldb';
import { describePostgres } from '../helpers/postgres';
import { startKinesis, type ConsumedRecord, type TestKinesis } from '../helpers/kinesis';
import { control, startCluster, until, type Cluster } from './clusterHelpers';
import { newDriver, storedBlocks } from './sessionHelpers';
import { streamInput } from './streamHelpers';

const LEDGER = 'streamed';
const seqOf = (r: ConsumedRecord) => Number(r.value.get('payload', 'blockAddress', 'sequenceNo'));

describePostgres('a journal stream on two nodes', () => {
  let kinesis: TestKinesis;
  let cluster: Cluster;

  before(async () => {
    kinesis = await startKinesis();
    cluster = await startCluster(2, LEDGER, [
      '--kinesis-endpoint', kinesis.endpoint,
      '--kinesis-access-key-id', 'kinesalite',
      '--kinesis-secret-access-key', 'kinesalite',
      '--export-lease', '2s',
      // the claims are read from the nodes' recent output: request lines would push them out
      '--log-requests', 'false',
    ]);
  });
  after(async () => {
    await cluster?.close();
    await kinesis?.close();
  });

  it('is run by one node at a time; killed, its node hands it over to the other, which resumes without a gap', async () => {
    const arn = await kinesis.createStream('cluster');
    const qldb = control(cluster.balancer.endpoint);
    const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(streamInput(LEDGER, arn)));
    qldb.destroy();
    const claimedBy = () => cluster.nodes.filter((n) => n.output().includes(`"event":"stream.claimed","streamId":"${StreamId}"`));
    await until('a node claims the stream', () => claimedBy().length > 0);

    const driver = newDriver(cluster.balancer.endpoint, LEDGER);
    await driver.executeLambda((t) => t.execute('CREATE TABLE T'));
    for (let n = 0; n < 4; n++) await driver.executeLambda((t) => t.execute('INSERT INTO T ?', { n }));
    driver.close();
    const delivered = async (n: number) => (await kinesis.read('cluster')).some((r) => r.recordType === 'REVISION_DETAILS' && Number(r.value.get('payload', 'revision', 'data', 'n')) === n);
    await until('the first commits reach Kinesis', () => delivered(3));
    const [runner] = claimedBy();
    assert.equal(claimedBy().length, 1, 'one node runs the stream');

    await runner.kill9();
    const survivor = cluster.nodes.find((n) => n !== runner)!;
    const driver2 = newDriver(survivor.endpoint, LEDGER);
    for (let n = 4; n < 8; n++) await driver2.executeLambda((t) => t.execute('INSERT INTO T ?', { n }));
    driver2.close();
    await until('the other node takes the stream over and delivers the later commits', () => delivered(7), 15_000);
    assert.ok(survivor.output().includes(`"event":"stream.claimed","streamId":"${StreamId}"`));

    const records = await kinesis.read('cluster');
    const blocks = await storedBlocks(survivor, LEDGER);
    const summaries = new Set(records.filter((r) => r.recordType === 'BLOCK_SUMMARY').map(seqOf));
    const first = Math.min(...summaries);
    for (let seq = first; seq < blocks.length; seq++) assert.ok(summaries.has(seq), `block ${seq} reached Kinesis`);
    for (let n = 0; n < 8; n++) {
      assert.ok(records.some((r) => r.recordType === 'REVISION_DETAILS' && Number(r.value.get('payload', 'revision', 'data', 'n')) === n), `revision ${n}`);
    }
  });
});
