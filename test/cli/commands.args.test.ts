/**
 * The control-plane commands' own side, in process and without a server: command lines refused
 * before any request (awscli's exit code 252), help, flag values as awscli takes them, pages
 * followed to the end, and timestamps printed as awscli (Python's isoformat) prints them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Args, ionHolder, tagMap, timestamp } from '../../src/cli/commands/args';
import type { Io } from '../../src/cli/commands/group';
import { runLedgers } from '../../src/cli/commands/ledgers';
import { runTags } from '../../src/cli/commands/tags';
import { runExports } from '../../src/cli/commands/exports';
import { runBlock, runDigest, runRevision } from '../../src/cli/commands/journal';
import { awsShape, isoTimestamp } from '../../src/cli/commands/output';
import { listAll, PAGE_FLAGS } from '../../src/cli/commands/pages';

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    outIsTTY: false,
    errIsTTY: false,
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  return io;
}

const GROUPS = { ledgers: runLedgers, tags: runTags, exports: runExports, digest: runDigest, block: runBlock, revision: runRevision };

async function run(group: keyof typeof GROUPS, ...argv: string[]) {
  const io = capture();
  const code = await GROUPS[group](argv, io);
  return { code, ...io };
}

describe('openqldb control-plane commands, before any request', () => {
  it("refuses a command line it cannot run with awscli's exit code 252, naming what is wrong", async () => {
    const cases: [keyof typeof GROUPS, string[], RegExp][] = [
      ['ledgers', ['describe'], /^openqldb ledgers describe: the following arguments are required: --name\n/],
      ['ledgers', ['create', '--name', 'x'], /the following arguments are required: --permissions-mode/],
      ['ledgers', ['describe', '--name', 'a', '--nme', 'b'], /unknown option --nme/],
      ['ledgers', ['describe', '--name', 'a', '--name', 'b'], /--name is given twice/],
      ['ledgers', ['describe', 'a'], /unexpected argument 'a'/],
      ['ledgers', ['list', '--max-results', 'ten'], /--max-results must be a positive whole number/],
      ['ledgers', ['list', '--output', 'yaml'], /--output must be json or table, got 'yaml'/],
      ['ledgers', ['update', '--name', 'a', '--deletion-protection=yes'], /--deletion-protection takes no value/],
      ['ledgers', ['create', '--name', 'x', '--permissions-mode', 'STANDARD', '--tags', 'novalue'], /--tags takes Key=Value,… or a JSON object; 'novalue' has no Key=/],
      ['ledgers', ['list', '--endpoint', 'ftp://x'], /--endpoint must be http:\/\/ or https:\/\//],
      ['ledgers', ['frobnicate'], /unknown command 'frobnicate'/],
      ['ledgers', [], /^Usage: openqldb ledgers <command>/],
      ['tags', ['list'], /give exactly one of --resource-arn and --name/],
      ['tags', ['remove', '--name', 'l', '--tag-keys'], /--tag-keys needs at least one value/],
      ['exports', ['start', '--name', 'l', '--inclusive-start-time', 'yesterday', '--exclusive-end-time', '2024-01-01', '--role-arn', 'r', '--bucket', 'b'], /--inclusive-start-time must be an ISO 8601 time/],
      ['exports', ['start', '--name', 'l', '--inclusive-start-time', '2024-01-01', '--exclusive-end-time', '2024-01-02', '--role-arn', 'r'], /give either --s3-export-configuration or --bucket/],
      ['exports', ['start', '--name', 'l', '--inclusive-start-time', '2024-01-01', '--exclusive-end-time', '2024-01-02', '--role-arn', 'r', '--bucket', 'b', '--encryption', 'ROT13'], /--encryption must be one of SSE_S3, SSE_KMS, NO_ENCRYPTION/],
      ['exports', ['start', '--name', 'l', '--inclusive-start-time', '2024-01-01', '--exclusive-end-time', '2024-01-02', '--role-arn', 'r', '--s3-export-configuration', '{"Bucket":'], /--s3-export-configuration is not valid JSON/],
      ['exports', ['describe', '--name', 'l'], /required: --export-id/],
      ['digest', ['--name'], /--name needs a value/],
      ['block', ['--name', 'l'], /required: --block-address/],
      ['block', ['--name', 'l', '--block-address', 'IonText={}', '--digest', 'd.json'], /--digest goes with --verify/],
      ['revision', ['--name', 'l', '--block-address', 'IonText={}'], /required: --document-id/],
    ];
    for (const [group, argv, message] of cases) {
      const r = await run(group, ...argv);
      assert.equal(r.code, 252, `${group} ${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  it('answers --help for every group and command, naming the aws qldb command it stands for', async () => {
    for (const group of ['ledgers', 'tags', 'exports'] as const) {
      const r = await run(group, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: openqldb ${group} <command> \\[options\\]\\n`));
    }
    const commands: [keyof typeof GROUPS, string[], string][] = [
      ['ledgers', ['list'], 'list-ledgers'],
      ['ledgers', ['update'], 'update-ledger, update-ledger-permissions-mode'],
      ['tags', ['remove'], 'untag-resource'],
      ['exports', ['start'], 'export-journal-to-s3'],
      ['exports', ['list'], 'list-journal-s3-exports, list-journal-s3-exports-for-ledger'],
      ['digest', [], 'get-digest'],
      ['block', [], 'get-block'],
      ['revision', [], 'get-revision'],
    ];
    for (const [group, sub, aws] of commands) {
      const r = await run(group, ...sub, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: openqldb ${[group, ...sub].join(' ')} \\[options\\]\\n`));
      assert.ok(r.stdout.includes(`(aws qldb ${aws})`), r.stdout);
      assert.match(r.stdout, /\n  --endpoint <url> +QLDB endpoint/);
      assert.match(r.stdout, /\n  --output <json\|table>\n/);
    }
    const main = join(__dirname, '..', '..', 'src', 'cli', 'main.js');
    const top = execFileSync(process.execPath, [main, 'help'], { encoding: 'utf8' });
    for (const group of Object.keys(GROUPS)) assert.match(top, new RegExp(`\\n  ${group} +\\S`));
  });

  it('takes flag values as awscli does', () => {
    assert.deepEqual(tagMap('tags', 'a=1,b=,c=x=y'), { a: '1', b: '', c: 'x=y' });
    assert.deepEqual(tagMap('tags', '{"a": "1, 2"}'), { a: '1, 2' });
    assert.equal(timestamp('t', '2024-05-01T12:00:00Z').toISOString(), '2024-05-01T12:00:00.000Z');
    assert.equal(timestamp('t', '2024-05-01T12:00:00').toISOString(), '2024-05-01T12:00:00.000Z', 'no offset: UTC, as botocore reads it');
    assert.equal(timestamp('t', '2024-05-01T12:00:00+02:00').toISOString(), '2024-05-01T10:00:00.000Z');
    assert.equal(timestamp('t', '2024-05-01').toISOString(), '2024-05-01T00:00:00.000Z');
    assert.equal(timestamp('t', '1714564800.5').toISOString(), '2024-05-01T12:00:00.500Z');
    const address = '{strandId:"Ab",sequenceNo:3}';
    for (const form of [`IonText=${address}`, JSON.stringify({ IonText: address }), address]) assert.deepEqual(ionHolder('block-address', form), { IonText: address });
    const args = new Args({ 'tag-keys': { kind: 'list', help: '' }, wait: { kind: 'switch', help: '' } }, ['--tag-keys', 'a', 'b,c', '--wait']);
    assert.deepEqual(args.list('tag-keys'), ['a', 'b', 'c']);
    assert.equal(args.bool('wait'), true);
  });

  it('follows NextToken to the last page, or asks for one page with --max-results', async () => {
    const pages: Record<string, { Items: number[]; NextToken?: string }> = {
      '': { Items: [1, 2], NextToken: 't1' },
      t1: { Items: [3], NextToken: 't2' },
      t2: { Items: [] },
    };
    const asked: object[] = [];
    const fetch = async (page: { MaxResults?: number; NextToken?: string }) => {
      asked.push(page);
      return pages[page.NextToken ?? ''];
    };
    assert.deepEqual(await listAll(new Args(PAGE_FLAGS, []), fetch, 'Items'), { Items: [1, 2, 3], NextToken: undefined });
    assert.deepEqual(asked, [{ NextToken: undefined }, { NextToken: 't1' }, { NextToken: 't2' }]);
    asked.length = 0;
    assert.deepEqual(await listAll(new Args(PAGE_FLAGS, ['--max-results', '2', '--next-token', 't1']), fetch, 'Items'), pages.t1);
    assert.deepEqual(asked, [{ MaxResults: 2, NextToken: 't1' }]);
  });

  it("prints timestamps as awscli's Python does, and answers in awscli's member order", () => {
    const tz = process.env.TZ;
    try {
      process.env.TZ = 'Asia/Kolkata';
      assert.equal(isoTimestamp(new Date('2024-05-01T12:00:00.507Z')), '2024-05-01T17:30:00.507000+05:30');
      assert.equal(isoTimestamp(new Date('2024-05-01T12:00:00Z')), '2024-05-01T17:30:00+05:30', 'no fraction when it is zero');
      process.env.TZ = 'America/New_York';
      assert.equal(isoTimestamp(new Date('2024-01-01T04:59:59.001Z')), '2023-12-31T23:59:59.001000-05:00');
      process.env.TZ = 'UTC';
      assert.equal(isoTimestamp(new Date('2024-07-01T00:00:00.010Z')), '2024-07-01T00:00:00.010000+00:00');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    const shaped = awsShape({
      $metadata: { httpStatusCode: 200 },
      State: 'ACTIVE',
      Name: 'l',
      Tags: { z: '1', a: '2' },
      Digest: new Uint8Array([1, 2, 3]),
      NextToken: undefined,
    });
    assert.deepEqual(Object.keys(shaped as object), ['Name', 'State', 'Tags', 'Digest']);
    assert.deepEqual(Object.keys((shaped as { Tags: object }).Tags), ['z', 'a'], 'a map keeps its keys in the order given');
    assert.equal((shaped as { Digest: string }).Digest, 'AQID');
  });
});
