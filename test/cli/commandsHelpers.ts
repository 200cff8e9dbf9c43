/**
 * Runs the `openqldb` control-plane commands and `/usr/bin/aws qldb` side by side against a test
 * server, in the same clean environment: no credential or config file of the machine, keys only
 * from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and a time zone with a half-hour offset west of
 * UTC, so that timestamps printed in local time are really compared.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { awsEnv } from '../helpers/server';
import { aws, cliResult, type CliResult } from '../helpers/awscli';

const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

export const TZ = 'America/St_Johns';

export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = awsEnv({ TZ, AWS_MAX_ATTEMPTS: undefined, ...extra });
  delete env.OPENQLDB_ENDPOINT;
  delete env.AWS_PROFILE;
  return env;
}

/** `openqldb <args> --endpoint <endpoint>`, its standard output parsed as JSON when it is. */
export function openqldb(endpoint: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args, '--endpoint', endpoint], { env: childEnv(extra), timeout: 60_000 }, (err, stdout, stderr) =>
      resolve(cliResult(err, stdout, stderr)),
    );
  });
}

/** `/usr/bin/aws qldb <args> --output json` in the same environment as `openqldb`. */
export function awsQldb(endpoint: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  // awscli's own default, not the test suite's AWS_MAX_ATTEMPTS=1, which adds "(reached max retries: 0)" to its errors
  return aws(endpoint, ['qldb', ...args], { TZ, AWS_MAX_ATTEMPTS: undefined, ...extra });
}

/** Both at once (they only read), ours first. */
export function side(endpoint: string, ours: string[], theirs: string[], extra: NodeJS.ProcessEnv = {}): Promise<[CliResult, CliResult]> {
  return Promise.all([openqldb(endpoint, ours, extra), awsQldb(endpoint, theirs, extra)]);
}

/** Both succeed and print the same text; answers ours. */
export async function same(endpoint: string, ours: string[], theirs: string[]): Promise<CliResult> {
  const [a, b] = await side(endpoint, ours, theirs);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  return a;
}

/** `openqldb <args>` under a pseudo-terminal (util-linux `script`), as a person runs it. */
export function onTerminal(endpoint: string, args: string[]): Promise<{ code: number; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = [process.execPath, MAIN, ...args, '--endpoint', endpoint].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', line, '/dev/null'], { env: { ...childEnv(), COLUMNS: '200' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** awscli's error line, without the blank line it writes before it. */
export const errorLine = (r: CliResult) => r.stderr.trim();
