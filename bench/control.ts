/**
 * bench:control — control-plane request rates and start-up time, each as a ratio against a bare
 * node:http (node:https for TLS) server measured in the same run: these machines are noisy and
 * only the ratio means anything. Targets: every operation ≥ 0.6 over plain HTTP; start-up to the
 * first answered request ≤ 2× the bare server's.
 *
 * Load comes from wrk (bench/lib/wrk.ts): 1 thread, 16 keep-alive connections, rounds of 3 s,
 * interleaved between the bare server and each operation so drift hits all alike; the median
 * round of each is reported, with the server's CPU time per request (which other work on the
 * machine disturbs less than the rate).
 *
 *   BENCH_ROUNDS=3 BENCH_SECONDS=3 BENCH_CONNECTIONS=16 BENCH_STARTS=9
 *   BENCH_ONLY=DescribeLedger,GetDigest   measure only these operations
 *   BENCH_PROFILE=DIR                     the plain-HTTP server writes a CPU profile into DIR
 *   BENCH_TLS=false                       plain HTTP only
 *   BENCH_LOG_REQUESTS=true               the server logs every request (off by default)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS } from '../src/config';
import { selfSignedCert } from './lib/cert';
import { spawnServer, type Spawned } from './lib/spawnServer';
import { createWrk, type Target } from './lib/wrk';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const STARTS = Number(process.env.BENCH_STARTS ?? 9);
const ONLY = process.env.BENCH_ONLY?.split(',');
const PROFILE = process.env.BENCH_PROFILE;
const LOG_REQUESTS = process.env.BENCH_LOG_REQUESTS === 'true' ? 'true' : 'false';
const TARGET_RATIO = 0.6;
const TARGET_START = 2;
const MAIN = join(__dirname, '..', 'src', 'cli', 'main.js');
const BARE = join(__dirname, 'lib', 'bareServer.js');
const LEDGER = 'bench';

type Tls = { cert: string; key: string };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One request, for setting up and for timing start-up; `ca` trusts the throwaway certificate. */
function call(url: string, method: string, body?: unknown, ca?: Buffer): Promise<{ status: number; json: any }> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = send(u, { method, ca, agent: false, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectOk(url: string, method: string, body?: unknown, ca?: Buffer): Promise<any> {
  const r = await call(url, method, body, ca);
  if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** A ledger, and a finished export to describe (through the local-directory sink). */
async function prepare(endpoint: string, ca?: Buffer): Promise<string> {
  await expectOk(`${endpoint}/ledgers`, 'POST', { Name: LEDGER, PermissionsMode: 'ALLOW_ALL' }, ca);
  const created = (await expectOk(`${endpoint}/ledgers/${LEDGER}`, 'GET', undefined, ca)).CreationDateTime as number;
  // the end of the range must lie after the ledger's creation and not in the future
  while (Date.now() / 1000 <= created + 0.01) await new Promise((r) => setTimeout(r, 10));
  const { ExportId } = await expectOk(
    `${endpoint}/ledgers/${LEDGER}/journal-s3-exports`,
    'POST',
    {
      InclusiveStartTime: created,
      ExclusiveEndTime: Date.now() / 1000,
      S3ExportConfiguration: { Bucket: 'bench-exports', Prefix: 'bench/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
      RoleArn: 'arn:aws:iam::000000000000:role/bench',
    },
    ca,
  );
  return ExportId as string;
}

function operations(endpoint: string, exportId: string): [string, Target][] {
  const all: [string, Target][] = [
    ['DescribeLedger', { method: 'GET', url: `${endpoint}/ledgers/${LEDGER}` }],
    ['ListLedgers', { method: 'GET', url: `${endpoint}/ledgers` }],
    ['DescribeJournalS3Export', { method: 'GET', url: `${endpoint}/ledgers/${LEDGER}/journal-s3-exports/${exportId}` }],
    ['ListJournalS3ExportsForLedger', { method: 'GET', url: `${endpoint}/ledgers/${LEDGER}/journal-s3-exports` }],
    // what the JS SDK sends: a POST with an empty body
    ['GetDigest', { method: 'POST', url: `${endpoint}/ledgers/${LEDGER}/digest`, body: '' }],
  ];
  return all.filter(([name]) => !ONLY || ONLY.includes(name));
}

const bareArgs = (tls?: Tls) => (tls ? [BARE, tls.cert, tls.key] : [BARE]);

function serveArgs(dataDir: string, tls?: Tls): string[] {
  const flags = ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--ledger-state-delay', '0', '--log-requests', LOG_REQUESTS];
  if (tls) flags.push('--tls-cert', tls.cert, '--tls-key', tls.key);
  return [MAIN, 'serve', ...flags];
}

/** Time from spawning `node <args>` to one answered request. */
async function timeToFirstAnswer(args: string[], ca?: Buffer): Promise<number> {
  const started = process.hrtime.bigint();
  const server = await spawnServer(args);
  try {
    await expectOk(`${server.url}/ledgers`, 'GET', undefined, ca);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    server.child.kill('SIGKILL');
    await server.stop();
  }
}

/** Start-up of the bare server and of openqldb (on a fresh data directory), interleaved; medians. */
async function startUp(dir: string, tls?: Tls): Promise<{ bare: number; server: number }> {
  const ca = tls ? readFileSync(tls.cert) : undefined;
  const bare: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    bare.push(await timeToFirstAnswer(bareArgs(tls), ca));
    const dataDir = mkdtempSync(join(dir, 'start-'));
    try {
      server.push(await timeToFirstAnswer(serveArgs(dataDir, tls), ca));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return { bare: median(bare), server: median(server) };
}

/** A median rate, and the server's CPU microseconds per request (median round; NaN without /proc). */
interface Rate {
  rate: number;
  cpuUs: number;
}

interface Measured {
  base: Rate;
  ops: [string, Rate][];
  errors: number;
}

/** Interleaved wrk rounds: the bare server, then every operation, ROUNDS times; medians. */
function measure(bare: Spawned, subject: Spawned, ops: [string, Target][]): Measured {
  const wrk = createWrk({ connections: CONNECTIONS, seconds: SECONDS });
  try {
    const targets: [string, Target, Spawned][] = [
      ['bare', { method: 'GET', url: bare.url + '/' }, bare],
      ...ops.map(([name, target]): [string, Target, Spawned] => [name, target, subject]),
    ];
    for (const [, target] of targets) wrk.run(target, 1); // warm up: JIT, connections, caches
    const rounds = new Map(targets.map(([name]) => [name, { rate: [] as number[], cpuUs: [] as number[] }]));
    let errors = 0;
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, target, server] of targets) {
        const before = server.cpuSeconds() ?? NaN;
        const r = wrk.run(target);
        const used = (server.cpuSeconds() ?? NaN) - before;
        rounds.get(name)!.rate.push(r.rate);
        rounds.get(name)!.cpuUs.push((used / r.requests) * 1e6);
        errors += r.errors;
      }
    }
    const of = (name: string): Rate => ({ rate: median(rounds.get(name)!.rate), cpuUs: median(rounds.get(name)!.cpuUs) });
    return { base: of('bare'), ops: ops.map(([name]) => [name, of(name)]), errors };
  } finally {
    wrk.close();
  }
}

function report(results: { label: string; m: Measured }[]): void {
  const w = 30;
  console.log(`${''.padEnd(w)}${results.map((r) => `${(r.label + ' req/s').padStart(12)}  ratio  CPU µs/req`).join('   ')}`);
  const cells = (m: Measured, x: Rate) =>
    `${x.rate.toFixed(0).padStart(12)}  ${(x.rate / m.base.rate).toFixed(2).padStart(5)}  ${x.cpuUs.toFixed(1).padStart(10)}`;
  console.log(`${'bare node:http(s)'.padEnd(w)}${results.map((r) => cells(r.m, r.m.base)).join('   ')}`);
  results[0].m.ops.forEach(([name], i) => console.log(`${name.padEnd(w)}${results.map((r) => cells(r.m, r.m.ops[i][1])).join('   ')}`));
  console.log(`errors (non-2xx, socket): ${results.map((r) => `${r.label} ${r.m.errors}`).join(', ')}`);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-bench-'));
  const tlsCert = process.env.BENCH_TLS !== 'false' && SETTINGS.some((s) => s.flag === '--tls-cert') ? selfSignedCert(dir) : undefined;
  let tlsMissing = tlsCert ? undefined : 'this build of openqldb serve has no --tls-cert, or BENCH_TLS=false';
  const results: { label: string; m: Measured }[] = [];
  try {
    for (const tls of [undefined, ...(tlsCert ? [tlsCert] : [])]) {
      const bare = await spawnServer(bareArgs(tls));
      const nodeArgs = PROFILE && !tls ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : [];
      const server = await spawnServer(serveArgs(join(dir, tls ? 'tls' : 'plain'), tls), nodeArgs);
      try {
        if (tls && !server.url.startsWith('https:')) {
          tlsMissing = `openqldb serve took --tls-cert but answered at ${server.url}`;
          continue;
        }
        const exportId = await prepare(server.url, tls ? readFileSync(tls.cert) : undefined);
        results.push({ label: tls ? 'https' : 'http', m: measure(bare, server, operations(server.url, exportId)) });
      } finally {
        await bare.stop();
        await server.stop();
      }
    }
    const start = await startUp(dir);
    const startTls = tlsCert && !tlsMissing ? await startUp(dir, tlsCert) : undefined;

    console.log(
      `bench:control  wrk -t1 -c${CONNECTIONS}, ${ROUNDS} interleaved rounds of ${SECONDS}s on loopback, median round; ` +
        `--log-requests ${LOG_REQUESTS}`,
    );
    report(results);
    if (tlsMissing) console.log(`https: not measured (${tlsMissing})`);
    const startLine = (label: string, s: { bare: number; server: number }) =>
      `start-up to first answer, ${label} (median of ${STARTS}): bare ${s.bare.toFixed(0)} ms, ` +
      `openqldb ${s.server.toFixed(0)} ms, ratio ${(s.server / s.bare).toFixed(2)}`;
    console.log(startLine('http', start));
    if (startTls) console.log(startLine('https', startTls));

    const plain = results[0].m;
    const missed = plain.ops.filter(([, x]) => x.rate / plain.base.rate < TARGET_RATIO).map(([name]) => name);
    const startOk = [start, ...(startTls ? [startTls] : [])].every((s) => s.server / s.bare <= TARGET_START);
    console.log(
      `target: every operation >= ${TARGET_RATIO} over http — ${missed.length ? `NOT met: ${missed.join(', ')}` : 'met'}; ` +
        `start-up <= ${TARGET_START}x — ${startOk ? 'met' : 'NOT met'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
