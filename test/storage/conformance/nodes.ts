import assert from 'node:assert/strict';
import { storeTest, type Backend } from './backend';

export function nodeTests(backend: Backend): void {
  storeTest(backend, 'ping answers while the database is there, and rejects once the store is closed', async (open) => {
    const store = await open();
    await store.ping();
    await store.close();
    await assert.rejects(store.ping());
  });

  storeTest(backend, 'the node registry: a sole writer has none; a shared store knows each node announced since a time, until it leaves', async (open) => {
    const store = await open();
    if (store.soleWriter) {
      assert.equal(store.nodes, undefined);
      return;
    }
    const nodes = store.nodes!;
    await nodes.announce('n1', 'http://10.0.0.1:8080', 1000);
    assert.equal(await nodes.url('n1', 1000), 'http://10.0.0.1:8080');
    assert.equal(await nodes.url('n1', 1001), undefined, 'not heard of since');
    await nodes.announce('n1', 'http://10.0.0.1:9090', 2000);
    assert.equal(await nodes.url('n1', 1500), 'http://10.0.0.1:9090', 'the heartbeat and the address are the latest');
    assert.equal(await nodes.url('n2', 0), undefined);
    await nodes.leave('n1');
    assert.equal(await nodes.url('n1', 0), undefined);
    await nodes.leave('n1');
  });

  storeTest(
    backend,
    'nodes on one database find each other through the registry',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      await Promise.all([a.nodes!.announce('a', 'http://a:1', 10), b.nodes!.announce('b', 'http://b:1', 10)]);
      assert.equal(await a.nodes!.url('b', 0), 'http://b:1');
      assert.equal(await b.nodes!.url('a', 0), 'http://a:1');
      await b.nodes!.leave('b');
      assert.equal(await a.nodes!.url('b', 0), undefined);
    },
    { nodes: true },
  );
}
