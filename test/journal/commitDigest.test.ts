import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBinaryWriter, makeTextWriter } from 'ion-js';
import { CommitDigest } from '../../src/journal/commitDigest';

const b64 = (b: Buffer) => b.toString('base64');

function ionBinaryOf(write: (w: ReturnType<typeof makeBinaryWriter>) => void): Uint8Array {
  const w = makeBinaryWriter();
  write(w);
  w.close();
  return w.getBytes();
}

test('TV-5: commit digest of a transaction with one unparameterised statement', () => {
  const d = new CommitDigest('FnQeJBAicTX0Ah32ZnVtSX');
  assert.equal(b64(d.digest()), 'RoynFW3rVHzSUsC+V3ByfpqDTw1aIoYDpatBWRkTFvc=');
  const s = d.addStatement(
    "FROM VehicleRegistration AS r \nWHERE r.VIN = '1N4AL11D75C109151'\nINSERT INTO r.Owners.SecondaryOwners\n    VALUE { 'PersonId' : 'CMVdR77XP8zAglmmFDGTvt' }",
  );
  assert.equal(b64(s), 'jcgPX2vsOJ0waum4qmDYtn1pCAT9xKNIzA+2k4R+mxA=');
  assert.equal(b64(d.digest()), 'O+oT8VEK+yhy6SsFE/dmB2omAbl6laTpb/peIMr649c=');
});

test('TV-5: commit digest with parameters (binary and text holders hash the same)', () => {
  const d = new CommitDigest('3gtB8Q8dfIMA8lQ5pzHAMo');
  assert.equal(b64(d.digest()), '85UNPDX8qWIB/zVYpk0SmD+koO20VofxDJbiDitwbug=');
  const person = Buffer.from('4AEA6u6VgYPekYe+jolGaXJzdE5hbWWDQWdl2YqESmFuZYshHg==', 'base64');
  assert.equal(b64(d.addStatement('INSERT INTO Person ?', [person])), 'xKfG2n6QaX0cv0CQ/ecuGHcRqyhmO+3U8ICB8oqR/Q8=');
  const jane = ionBinaryOf((w) => w.writeString('Jane'));
  const thirtyText = (() => {
    const w = makeTextWriter();
    w.writeInt(30);
    w.close();
    return w.getBytes();
  })();
  assert.equal(b64(d.addStatement('SELECT * FROM Person WHERE FirstName = ? AND Age = ?', [jane, thirtyText])), 'LdH9KKiucgiQCyVU4SM9UxIXmB13RWGoFYeRzmohWow=');
  assert.equal(b64(d.digest()), 'JTPBecKYWGai3fP8/xJqRlsUREk1dmFrttBN7A9jRX4=');
});
