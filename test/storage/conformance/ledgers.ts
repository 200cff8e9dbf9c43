import assert from 'node:assert/strict';
import { storeTest, type Backend } from './backend';
import { arnOf, ledgerRow, plain } from './fixtures';

export function ledgerTests(backend: Backend): void {
  storeTest(backend, 'ledgers: inserted with their tags, read back, updated, removed with their tags', async (open) => {
    const store = await open();
    const books = ledgerRow('L1', 'books');
    const keyed = ledgerRow('L2', 'keyed', { kmsKey: 'arn:aws:kms:us-east-1:000000000000:key/k', permissionsMode: 'ALLOW_ALL' });
    await store.ledgers.insert(books, arnOf('books'), { team: 'a', env: 'prod' });
    await store.ledgers.insert(keyed, arnOf('keyed'), undefined);

    assert.deepEqual(plain(await store.ledgers.get('L1')), plain(books));
    assert.deepEqual(plain(await store.ledgers.get('L2')), plain(keyed));
    assert.equal((await store.ledgers.get('L2'))!.deletionProtection, true);
    assert.equal(await store.ledgers.get('L3'), undefined);
    assert.deepEqual((await store.ledgers.all()).map((l) => l.ledgerId).sort(), ['L1', 'L2']);
    assert.deepEqual(await store.ledgers.tags(arnOf('books')), { env: 'prod', team: 'a' });
    assert.deepEqual(await store.ledgers.tags(arnOf('keyed')), {});

    await assert.rejects(store.ledgers.insert(books, arnOf('books'), undefined), 'the same ledger id twice');
    await assert.rejects(store.ledgers.insert(ledgerRow('L9', 'books'), arnOf('books'), undefined), 'the same name in one account and region');
    assert.deepEqual((await store.ledgers.all()).length, 2);

    const active = { ...books, state: 'ACTIVE' as const, stateUntil: null, permissionsMode: 'ALLOW_ALL' as const, deletionProtection: false };
    await store.ledgers.update(active);
    assert.deepEqual(plain(await store.ledgers.get('L1')), plain(active));
    assert.equal((await store.ledgers.get('L1'))!.deletionProtection, false);

    await store.ledgers.remove('L1', arnOf('books'));
    assert.equal(await store.ledgers.get('L1'), undefined);
    assert.deepEqual((await store.ledgers.all()).map((l) => l.ledgerId), ['L2']);
    assert.deepEqual(await store.ledgers.tags(arnOf('books')), {});
    // the name is free again, for a new ledger id
    await store.ledgers.insert(ledgerRow('L3', 'books'), arnOf('books'), undefined);
    assert.equal((await store.ledgers.get('L3'))!.name, 'books');
  });

  storeTest(backend, 'tags: put adds and overwrites, remove drops only the keys named, each resource apart', async (open) => {
    const store = await open();
    const a = arnOf('a');
    const b = arnOf('b');
    await store.ledgers.putTags(a, { one: '1', two: '2' });
    await store.ledgers.putTags(b, { one: 'b1' });
    await store.ledgers.putTags(a, { two: 'zwei', three: '3' });
    assert.deepEqual(await store.ledgers.tags(a), { one: '1', three: '3', two: 'zwei' });
    await store.ledgers.removeTags(a, ['one', 'three', 'absent']);
    assert.deepEqual(await store.ledgers.tags(a), { two: 'zwei' });
    assert.deepEqual(await store.ledgers.tags(b), { one: 'b1' });
    await store.ledgers.putTags(a, { empty: '' });
    assert.deepEqual(await store.ledgers.tags(a), { empty: '', two: 'zwei' });
  });

  storeTest(backend, 'putTagsWithin counts and writes in one step: of two concurrent calls that each fit alone, one writes', async (open) => {
    const store = await open();
    const arn = arnOf('tagged');
    const batch = (prefix: string) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${prefix}${i}`, 'v']));
    const written = await Promise.all([store.ledgers.putTagsWithin(arn, batch('a'), 50), store.ledgers.putTagsWithin(arn, batch('b'), 50)]);
    assert.deepEqual([...written].sort(), [false, true]);
    const kept = Object.keys(await store.ledgers.tags(arn));
    assert.equal(kept.length, 30);
    // either call may have won
    assert.equal(await store.ledgers.putTagsWithin(arn, { [kept[0]]: 'changed', extra: 'x' }, 31), true, 'an overwritten key counts once');
    assert.equal(await store.ledgers.putTagsWithin(arn, { more: 'y' }, 31), false);
    assert.equal(Object.keys(await store.ledgers.tags(arn)).length, 31);
  });

  storeTest(backend, 'a secret is 32 random bytes, made once per name and the same at every later read', async (open) => {
    const store = await open();
    const s = await store.ledgers.secret('pagination');
    assert.equal(s.length, 32);
    assert.notDeepEqual(s, Buffer.alloc(32));
    assert.deepEqual(await store.ledgers.secret('pagination'), s);
    const other = await store.ledgers.secret('other');
    assert.equal(other.length, 32);
    assert.notDeepEqual(other, s);
    await store.close();
    const reopened = await open();
    assert.deepEqual(await reopened.ledgers.secret('pagination'), s, 'kept across a restart');
  });

  storeTest(
    backend,
    'two nodes asking for a new secret at once agree on it',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      for (let i = 0; i < 5; i++) {
        const [sa, sb] = await Promise.all([a.ledgers.secret(`s${i}`), b.ledgers.secret(`s${i}`)]);
        assert.deepEqual(sa, sb);
        assert.deepEqual(await b.ledgers.secret(`s${i}`), sa);
      }
    },
    { nodes: true },
  );

  storeTest(
    backend,
    'a ledger created, changed or removed by one node is what the other node reads next',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      await a.ledgers.insert(ledgerRow('L1', 'books'), arnOf('books'), { k: 'v' });
      assert.equal((await b.ledgers.get('L1'))!.state, 'CREATING');
      await b.ledgers.update({ ...ledgerRow('L1', 'books'), state: 'ACTIVE', stateUntil: null });
      assert.equal((await a.ledgers.get('L1'))!.state, 'ACTIVE');
      assert.deepEqual(await b.ledgers.tags(arnOf('books')), { k: 'v' });
      await b.ledgers.remove('L1', arnOf('books'));
      assert.deepEqual(await a.ledgers.all(), []);
    },
    { nodes: true },
  );
}
