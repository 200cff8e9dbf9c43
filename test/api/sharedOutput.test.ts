/** Outputs shared between requests: built once per key, frozen all the way down, encoded once. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { sharedPer, sharedPerList } from '../../src/api/sharedOutput';
import { sendResult } from '../../src/server/protocol';

function send(output: unknown): { status: number; headers: Record<string, unknown>; body: string } {
  const sent = { status: 0, headers: {} as Record<string, unknown>, body: '' };
  const res = {
    writeHead(status: number, headers: Record<string, unknown>) {
      sent.status = status;
      sent.headers = headers;
    },
    end(body: string) {
      sent.body = body;
    },
  } as unknown as ServerResponse;
  sendResult(res, 'restJson1', 'req', output);
  return sent;
}

describe('shared outputs', () => {
  it('are built once per key and frozen all the way down; Dates and bytes are left as they are', () => {
    let built = 0;
    const answer = sharedPer((key: { n: number }, label: string) => {
      built++;
      return { N: key.n, Label: label, At: new Date(1000), Bytes: Buffer.from([1, 2]), Nested: { List: [{ X: 1 }] } };
    });
    const k1 = { n: 1 };
    const a = answer(k1, 'first');
    assert.equal(answer(k1, 'ignored once built'), a);
    assert.equal(built, 1);
    assert.notEqual(answer({ n: 1 }, 'other key'), a);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.Nested) && Object.isFrozen(a.Nested.List) && Object.isFrozen(a.Nested.List[0]));
    assert.equal(a.Label, 'first');
    assert.deepEqual(JSON.parse(send(a).body), { N: 1, Label: 'first', At: 1, Bytes: 'AQI=', Nested: { List: [{ X: 1 }] } });
  });

  it('a list answer is shared while a list holds the same objects, whatever the array', () => {
    let built = 0;
    const answer = sharedPerList((items: readonly { n: number }[]) => {
      built++;
      return { Items: items.map((i) => ({ N: i.n })) };
    });
    const [x, y] = [{ n: 1 }, { n: 2 }];
    const a = answer([x, y]);
    // a store's fresh copy of the same cached objects
    assert.equal(answer([x, y].slice()), a);
    assert.equal(built, 1);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.Items[0]));
    // another object (read afresh, or changed), another length, another order: a new answer
    assert.notEqual(answer([x, { n: 2 }]), a);
    assert.notEqual(answer([x]), a);
    assert.notEqual(answer([y, x]), a);
    assert.equal(answer([]), answer([]));
    assert.deepEqual(answer([]), { Items: [] });
  });

  it('a frozen output is sent the same each time; any other is encoded as it is now', () => {
    const shared = sharedPer((k: { s: string }) => ({ Name: k.s, When: new Date(2500) }))({ s: 'é' });
    const first = send(shared);
    const again = send(shared);
    assert.equal(again.body, first.body);
    assert.equal(first.headers['Content-Length'], Buffer.byteLength(first.body));
    assert.deepEqual(JSON.parse(first.body), { Name: 'é', When: 2.5 });
    const changing: Record<string, unknown> = { Count: 1 };
    assert.equal(send(changing).body, '{"Count":1}');
    changing.Count = 2;
    assert.equal(send(changing).body, '{"Count":2}');
    assert.equal(send(undefined).body, '');
  });
});
