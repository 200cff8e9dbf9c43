/**
 * Starts the real openqldb server as a child process on 127.0.0.1 with a free port and a fresh
 * data directory, the way users run it. Tests talk to it only through real clients.
 *
 * With OPENQLDB_TEST_STORE=postgres (scripts/run-tests.js sets it for a second run of the
 * real-client tests when a PostgreSQL is at hand), every server stores its data in a fresh
 * PostgreSQL database instead, dropped with the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freshDatabase } from './postgres';

const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

export interface TestServer {
  readonly endpoint: string;
  readonly port: number;
  /** the process serving now (a restart starts another) */
  readonly pid: number;
  readonly dataDir: string;
  /** the PostgreSQL database the server stores its data in; undefined = SQLite in dataDir */
  readonly databaseUrl?: string;
  /** the server's recent output, for failure messages */
  output(): string;
  /** SIGTERM and wait for a clean exit */
  stop(): Promise<void>;
  /** SIGKILL: no chance to flush or close anything */
  kill9(): Promise<void>;
  /** sends a signal (e.g. SIGHUP) and returns at once */
  signal(name: NodeJS.Signals): void;
  /** resolves with the first output line matching `pattern` (already printed or still to come) */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** start again on the same data directory (after stop or kill9) */
  restart(extraFlags?: string[]): Promise<void>;
  /** stop and delete the data directory */
  dispose(): Promise<void>;
}

function launch(flags: string[], env: NodeJS.ProcessEnv, nodeArgs: string[]): Promise<{ child: ChildProcess; endpoint: string; log: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, MAIN, 'serve', ...flags], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const log: string[] = [];
    let found = false;
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        log.push(line);
        if (log.length > 400) log.shift();
        const m = /serving both QLDB APIs at (https?:\/\/\S+)/.exec(line);
        if (m && !found) {
          found = true;
          resolve({ child, endpoint: m[1], log });
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      if (!found) reject(new Error(`openqldb exited with ${code} before serving:\n${log.join('\n')}`));
    });
  });
}

/** The store the tests' servers run on: the embedded SQLite unless the run asks for PostgreSQL. */
export function testStore(): 'sqlite' | 'postgres' {
  return process.env.OPENQLDB_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
}

export async function startServer(
  flags: string[] = [],
  opts: {
    dataDir?: string;
    env?: NodeJS.ProcessEnv;
    /** e.g. --cpu-prof, for benchmarks */ nodeArgs?: string[];
    /** a test about one store (the data-directory lock, SQLite files) pins it */ store?: 'sqlite' | 'postgres';
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'openqldb-test-'));
  const env = { ...process.env, ...opts.env };
  const drops: (() => Promise<void>)[] = [];
  const shared = flags.includes('--database-url');
  const database = !shared && (opts.store ?? testStore()) === 'postgres' ? ['--database-url', await freshDatabase({ after: (fn) => drops.push(fn) })] : [];
  // Tests want ledgers ACTIVE at once unless they ask otherwise; later flags win.
  const base = ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...database, '--ledger-state-delay', '0'];
  const nodeArgs = opts.nodeArgs ?? [];
  let current = await launch([...base, ...flags], env, nodeArgs);
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  const server: TestServer = {
    get endpoint() {
      return current.endpoint;
    },
    get port() {
      return Number(new URL(current.endpoint).port);
    },
    get pid() {
      return current.child.pid!;
    },
    dataDir,
    databaseUrl: shared ? flags[flags.indexOf('--database-url') + 1] : database[1],
    output: () => current.log.join('\n'),
    async stop() {
      current.child.kill('SIGTERM');
      await exited(current.child);
    },
    async kill9() {
      current.child.kill('SIGKILL');
      await exited(current.child);
    },
    signal(name) {
      current.child.kill(name);
    },
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = current.log.find((l) => pattern.test(l));
        if (line !== undefined) return line;
        if (Date.now() > deadline) throw new Error(`no output line matched ${pattern}:\n${current.log.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async restart(extraFlags: string[] = []) {
      if (current.child.exitCode === null && current.child.signalCode === null) await server.stop();
      current = await launch([...base, ...flags, ...extraFlags], env, nodeArgs);
    },
    async dispose() {
      await server.kill9();
      rmSync(dataDir, { recursive: true, force: true });
      for (const drop of drops) await drop();
    },
  };
  return server;
}

/** Environment for /usr/bin/aws and /usr/bin/python3 (boto3) pointed at a local server. */
export function awsEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...extra,
  };
}

export const testCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
