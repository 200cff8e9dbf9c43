/**
 * Journal export throughput, per format, against copying the same bytes on the same disk.
 *
 *   npm run bench:export -- [--blocks 100000] [--repeats 3] [--dir <cache dir>] [--rebuild]
 *
 * 1. build (once, cached in --dir): a ledger whose journal holds `blocks` blocks, written
 *    straight through the journal core (buildBlock) and store (appendBlock) — each block a real,
 *    chained QLDB block with one INSERT statement and one document revision (~1 KB).
 * 2. export, in a child process so that its peak RSS is the export's own: ION_BINARY, ION_TEXT and
 *    JSON to the local-directory sink, timed from ExportJournalToS3's handler to COMPLETED.
 * 3. baseline, same run, same disk, right after the exports: copy each export's objects the way
 *    the sink writes them (read, write to a temp file, fsync, rename).
 * Each is run `repeats` times and the best time of each side is kept (noise only slows).
 * Prints MB/s of each export, the ratio to the copy (targets: ION_BINARY ≥ 0.5, ION_TEXT and
 * JSON ≥ 0.2) and the export process' peak RSS (target ≤ 256 MB). `cpu s` is the export
 * process' CPU time over all its threads: when it is well below the wall time on one core's
 * worth of work, the run was waiting for a core (a shared machine), and the ratio understates.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { App } from '../src/app';
import { silentLogger } from '../src/server/log';
import { cachedJournal } from './lib/journal';
import type { OutputFormat } from '../src/exports/encoders';

const caller = { accountId: '000000000000', region: 'us-east-1' };
const LEDGER = 'bench-export';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

function appFor(dir: string): Promise<App> {
  const config = loadConfig([], {}, { dataDir: dir, ledgerStateDelayMs: 0, s3LocalDir: join(dir, 'out'), logRequests: false });
  return App.open(config, silentLogger);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

/** The sink's write path, minus the encoding: read, temp file, write, fsync, rename. */
async function copyLikeSink(files: string[], toDir: string): Promise<number> {
  mkdirSync(toDir, { recursive: true });
  const t = process.hrtime.bigint();
  let i = 0;
  for (const f of files) {
    const body = await readFile(f);
    const tmp = join(toDir, `.${i}.tmp`);
    const fh = await open(tmp, 'w');
    await fh.writeFile(body);
    await fh.sync();
    await fh.close();
    await rename(tmp, join(toDir, `copy-${i++}`));
  }
  return Number(process.hrtime.bigint() - t) / 1e9;
}

interface Result {
  format: OutputFormat;
  outDir: string;
  seconds: number;
  /** CPU time of the export process (all threads) */
  cpuSeconds: number;
  bytes: number;
  objects: number;
  copySeconds: number;
}

/** The child: runs the three exports and the baseline copies, prints JSON results. */
async function exportPhase(dir: string): Promise<void> {
  const app = await appFor(dir);
  if (process.env.BENCH_MEM) process.stderr.write(`start ${JSON.stringify(process.memoryUsage())}\n`);
  const built = JSON.parse(readFileSync(join(dir, 'built.json'), 'utf8')) as { lastTs: number };
  while (Date.now() <= built.lastTs) await new Promise((r) => setTimeout(r, 10));
  const results: Result[] = [];
  const repeats = Number(arg('repeats', '3'));
  for (const format of ['ION_BINARY', 'ION_TEXT', 'JSON'] as OutputFormat[]) {
    // best of `repeats` for both sides: the machine may be shared, and noise only ever slows
    let best: Result | undefined;
    for (let r = 0; r < repeats; r++) {
      const prefix = `${format}-${r}/`;
      const outDir = join(dir, 'out', 'bench', `${format}-${r}`);
      rmSync(outDir, { recursive: true, force: true });
      const t = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const id = await app.exports.create(caller, LEDGER, {
        InclusiveStartTime: new Date(0),
        ExclusiveEndTime: new Date(),
        S3ExportConfiguration: { Bucket: 'bench', Prefix: prefix, EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
        RoleArn: 'arn:aws:iam::123456789012:role/bench',
        OutputFormat: format,
      });
      await app.exports.runner.whenIdle(id);
      const seconds = Number(process.hrtime.bigint() - t) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const job = (await app.exports.store.get(id))!;
      if (job.status !== 'COMPLETED') throw new Error(`export ${format} ended ${job.status}: ${job.cancelReason}`);
      const all = filesUnder(outDir);
      const objects = all.filter((f) => !f.endsWith('.manifest')).length;
      const bytes = all.reduce((n, f) => n + statSync(f).size, 0);
      if (r < repeats - 1) rmSync(outDir, { recursive: true, force: true });
      best = {
        format,
        bytes,
        objects,
        outDir,
        seconds: Math.min(seconds, best?.seconds ?? Infinity),
        cpuSeconds: Math.min(cpuSeconds, best?.cpuSeconds ?? Infinity),
        copySeconds: Infinity,
      };
    }
    results.push(best!);
    if (process.env.BENCH_MEM) process.stderr.write(`${format} ${JSON.stringify(process.memoryUsage())} maxRSS ${process.resourceUsage().maxRSS}\n`);
  }
  await app.close();
  process.stdout.write('RESULT ' + JSON.stringify({ results, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

async function main(): Promise<void> {
  const blocks = Number(arg('blocks', '100000'));
  const dir = arg('dir', join(tmpdir(), `openqldb-bench-export-${blocks}`));
  if (process.argv.includes('--phase-export')) return exportPhase(dir);

  await cachedJournal(dir, LEDGER, blocks, appFor, process.argv.includes('--rebuild'));
  const repeats = arg('repeats', '3');
  const out = execFileSync(process.execPath, [__filename, '--phase-export', '--blocks', String(blocks), '--dir', dir, '--repeats', repeats], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the export phase printed no result:\n${out}`);
  const { results, maxRssKb } = JSON.parse(line.slice(7)) as { results: Result[]; maxRssKb: number };
  // the baseline: this process copies each export's objects the way the sink writes them, best of N
  for (const r of results) {
    r.copySeconds = Infinity;
    const files = filesUnder(r.outDir);
    for (let i = 0; i < Number(repeats); i++) {
      rmSync(join(dir, 'copy'), { recursive: true, force: true });
      r.copySeconds = Math.min(r.copySeconds, await copyLikeSink(files, join(dir, 'copy')));
    }
    rmSync(r.outDir, { recursive: true, force: true });
  }
  rmSync(join(dir, 'copy'), { recursive: true, force: true });
  const targets: Record<OutputFormat, number> = { ION_BINARY: 0.5, ION_TEXT: 0.2, JSON: 0.2 };
  process.stdout.write(`\n${blocks} blocks, local-directory sink; baseline = the same bytes copied by the sink's write path\n`);
  process.stdout.write('format       MB      objects  export s  (cpu s)  export MB/s  copy MB/s  ratio  target\n');
  let ok = true;
  for (const r of results) {
    const mb = r.bytes / 1e6;
    const ratio = mb / r.seconds / (mb / r.copySeconds);
    ok &&= ratio >= targets[r.format];
    process.stdout.write(
      `${r.format.padEnd(11)} ${mb.toFixed(1).padStart(6)}  ${String(r.objects).padStart(7)}  ${r.seconds.toFixed(2).padStart(8)}  ` +
        `${r.cpuSeconds.toFixed(2).padStart(7)}  ` +
        `${(mb / r.seconds).toFixed(1).padStart(11)}  ${(mb / r.copySeconds).toFixed(1).padStart(9)}  ${ratio.toFixed(2).padStart(5)}  ≥ ${targets[r.format]}\n`,
    );
  }
  const rssMb = maxRssKb / 1024;
  ok &&= rssMb <= 256;
  process.stdout.write(`peak RSS of the export process: ${rssMb.toFixed(0)} MB (target ≤ 256 MB)\n`);
  process.stdout.write(ok ? 'all targets met\n' : 'TARGETS MISSED\n');
  if (!ok) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
