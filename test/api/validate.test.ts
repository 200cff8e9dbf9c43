/** The one validator, against the model's own constraints. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPERATIONS } from '../../src/api/model';
import { validateInput } from '../../src/api/validate';
import { ServiceError } from '../../src/server/errors';

const op = (name: string) => OPERATIONS.find((o) => o.name === name)!.input;

function fails(name: string, raw: Record<string, unknown>, type: string, check?: (e: ServiceError) => void) {
  assert.throws(
    () => validateInput(op(name), raw),
    (e: unknown) => {
      assert.ok(e instanceof ServiceError);
      assert.equal(e.type, type, e.message);
      check?.(e);
      return true;
    },
  );
}

describe('validateInput', () => {
  it("models all 20 of QLDB's control-plane operations and openqldb's 3 import extensions, each on a route of its own", () => {
    const extensions = ['ImportJournalFromS3', 'DescribeJournalS3Import', 'ListJournalS3Imports'];
    assert.equal(OPERATIONS.filter((o) => !extensions.includes(o.name)).length, 20);
    assert.deepEqual(OPERATIONS.filter((o) => extensions.includes(o.name)).map((o) => o.name).sort(), [...extensions].sort());
    assert.equal(new Set(OPERATIONS.map((o) => `${o.method} ${o.path}`)).size, 23);
  });

  it('converts epoch seconds to Date, keeping fractions', () => {
    const input = validateInput<any>(op('ExportJournalToS3'), {
      Name: 'l',
      InclusiveStartTime: 1704067200.5,
      ExclusiveEndTime: 1704153600,
      S3ExportConfiguration: { Bucket: 'bkt', Prefix: '', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
      RoleArn: 'arn:aws:iam::123456789012:role/x',
    });
    assert.equal(input.InclusiveStartTime.toISOString(), '2024-01-01T00:00:00.500Z');
    assert.equal(input.ExclusiveEndTime.toISOString(), '2024-01-02T00:00:00.000Z');
    assert.equal(input.S3ExportConfiguration.Prefix, '', 'an empty prefix is allowed (min 0)');
  });

  it('names nested members and the first violation', () => {
    fails(
      'ExportJournalToS3',
      {
        Name: 'l',
        InclusiveStartTime: 1,
        ExclusiveEndTime: 2,
        S3ExportConfiguration: { Bucket: 'b', Prefix: 'p'.repeat(129), EncryptionConfiguration: {} },
        RoleArn: 'arn:aws:iam::123456789012:role/x',
      },
      'InvalidParameterException',
      (e) => {
        assert.equal(e.fields.ParameterName, 'Bucket');
        assert.match(e.message, /^3 validation errors detected: /);
        assert.match(e.message, /at 's3ExportConfiguration\.prefix' failed to satisfy constraint: Member must have length less than or equal to 128/);
        assert.match(e.message, /Value null at 's3ExportConfiguration\.encryptionConfiguration\.objectEncryptionType'/);
      },
    );
  });

  it('refuses wrong JSON types with SerializationException', () => {
    fails('CreateLedger', { Name: ['x'], PermissionsMode: 'ALLOW_ALL' }, 'SerializationException');
    fails('CreateLedger', { Name: 'x', PermissionsMode: 'ALLOW_ALL', Tags: { a: 1 } }, 'SerializationException');
    fails('ExportJournalToS3', { Name: 'x', InclusiveStartTime: '2024-01-01' }, 'SerializationException');
    fails('ExportJournalToS3', { Name: 'x', InclusiveStartTime: 1e300 }, 'SerializationException');
    fails('ListLedgers', { MaxResults: '1.5' }, 'SerializationException');
  });

  it('counts string length in code points, as AWS does', () => {
    // 32 astral characters are 64 UTF-16 units but 32 characters
    assert.doesNotThrow(() => validateInput(op('ListTagsForResource'), { ResourceArn: '😀'.repeat(20) }));
    fails('ListTagsForResource', { ResourceArn: '😀'.repeat(19) }, 'InvalidParameterException');
  });

  it('reads query-string lists and numbers', () => {
    const input = validateInput<any>(op('UntagResource'), { ResourceArn: 'arn:aws:qldb:us-east-1:000000000000:ledger/x', TagKeys: ['a', 'b'] });
    assert.deepEqual(input.TagKeys, ['a', 'b']);
    assert.equal(validateInput<any>(op('ListLedgers'), { MaxResults: '7' }).MaxResults, 7);
  });
});
