/**
 * bench:control — DescribeLedger and ListLedgers request rates over keep-alive loopback, as a
 * ratio against a bare node:http server answering a fixed JSON body, measured in the same run
 * with the same load generator (these machines are noisy; only the ratio means anything).
 * Target: ≥ 0.6.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './lib/load';
import { startServer } from '../test/helpers/server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

async function baseline(): Promise<{ url: string; stop: () => void }> {
  const child = fork(join(__dirname, 'lib', 'bareServer.js'), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: any) => resolve(m.port)));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function main() {
  const bare = await baseline();
  const dataDir = mkdtempSync(join(tmpdir(), 'openqldb-bench-'));
  const server = await startServer(['--log-requests', 'false'], { dataDir });
  try {
    const created = await fetch(`${server.endpoint}/ledgers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Name: 'bench', PermissionsMode: 'ALLOW_ALL' }),
    });
    if (created.status !== 200) throw new Error(await created.text());
    const opts = { connections: CONNECTIONS, seconds: SECONDS };
    // warm up both, then measure alternately so drift hits both alike
    await load(bare.url + '/', { ...opts, seconds: 1 });
    await load(server.endpoint + '/ledgers/bench', { ...opts, seconds: 1 });
    // Interleave rounds so that drift from other work on the machine hits every subject alike;
    // report the median round of each.
    const rounds = { base: [] as number[], describe: [] as number[], list: [] as number[] };
    let errors = 0;
    for (let i = 0; i < ROUNDS; i++) {
      for (const [key, url] of [['base', bare.url + '/'], ['describe', server.endpoint + '/ledgers/bench'], ['list', server.endpoint + '/ledgers']] as const) {
        const r = await load(url, opts);
        rounds[key].push(r.rate);
        errors += r.errors;
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const base = median(rounds.base);
    const describe = median(rounds.describe);
    const list = median(rounds.list);
    const row = (name: string, rate: number) => `${name.padEnd(16)} ${rate.toFixed(0).padStart(8)} req/s   ratio ${(rate / base).toFixed(2)}`;
    console.log(`bench:control  ${CONNECTIONS} keep-alive connections, ${ROUNDS} rounds of ${SECONDS}s, loopback, median round`);
    console.log(row('bare node:http', base));
    console.log(row('DescribeLedger', describe));
    console.log(row('ListLedgers', list));
    console.log(`errors: ${errors}`);
    console.log(`target: ratio >= 0.6 — DescribeLedger ${describe / base >= 0.6 ? 'met' : 'NOT met'}, ListLedgers ${list / base >= 0.6 ? 'met' : 'NOT met'}`);
  } finally {
    bare.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}


main().catch((e) => {
  console.error(e);
  process.exit(1);
});
