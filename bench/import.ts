/**
 * bench:import — ImportJournalFromS3 of a 100,000-block Ion binary export from the local
 * directory into a fresh server (SQLite), in blocks per second, next to `openqldb verify` over
 * the same export in the same run (target: the import ≥ 0.5 × verify's rate), and the server's
 * peak RSS (target ≤ 512 MB; it must not grow with the journal's length, so a fifth of the
 * journal is imported first on its own server and its peak printed beside).
 *
 * The fixture's document ids are made in order, so every row a block writes appends to its
 * table's keys. QLDB's ids are random: the same export with random ids is imported last, the
 * figure a real QLDB export gets (each revision and document then lands on a page of its own).
 *
 *   npm run bench:import -- [--blocks 100000]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerify } from '../src/cli/verify';
import { ImportClient } from '../src/cli/commands/importClient';
import { randomId, writeExport, STRAND } from '../test/cli/exportFixture';
import { spawnServer } from './lib/spawnServer';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const BLOCKS = arg('--blocks', 100_000);
const MAIN = join(__dirname, '..', 'src', 'cli', 'main.js');

/** VmHWM of a process: its peak resident set, in MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function timeVerify(root: string, prefix: string): Promise<number> {
  let out = '';
  const t0 = process.hrtime.bigint();
  const code = await runVerify(['--dir', root, '--bucket', 'bench', '--prefix', prefix], { out: (t) => (out += t), err: () => undefined });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`verify failed: ${out}`);
  return seconds;
}

async function timeImport(root: string, prefix: string, blocks: number, digest: Buffer): Promise<{ seconds: number; peakMb: number; cpuSeconds?: number }> {
  const data = mkdtempSync(join(tmpdir(), 'bench-import-data-'));
  const server = await spawnServer([MAIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', data, '--s3-local-dir', root]);
  try {
    const client = new ImportClient({ endpoint: server.url, region: 'us-east-1', credentials: async () => ({ accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' }) });
    const cpu0 = server.cpuSeconds();
    const t0 = process.hrtime.bigint();
    const { ImportId } = await client.importJournal({
      Name: 'bench',
      S3ImportConfiguration: { Bucket: 'bench', Prefix: prefix },
      PermissionsMode: 'STANDARD',
      Digest: digest.toString('base64'),
      DigestTipAddress: { IonText: `{strandId:"${STRAND}",sequenceNo:${blocks - 1}}` },
    });
    for (;;) {
      const d = await client.describe(ImportId);
      if (d.Status === 'FAILED') throw new Error(`import failed: ${d.ErrorMessage}`);
      if (d.Status === 'COMPLETED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = server.cpuSeconds();
    return { seconds, peakMb: peakRssMb(server.child.pid!), cpuSeconds: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined };
  } finally {
    await server.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'bench-import-'));
  try {
    let t0 = Date.now();
    const small = Math.max(2, Math.floor(BLOCKS / 5));
    const fifth = writeExport(root, 'bench', 'fifth/', small, 'ION_BINARY', 10_000);
    const all = writeExport(root, 'bench', 'bin/', BLOCKS, 'ION_BINARY', 10_000);
    const random = writeExport(root, 'bench', 'random/', BLOCKS, 'ION_BINARY', 10_000, { idOf: randomId });
    console.log(
      `fixture: ${BLOCKS} blocks (1-3 revisions each) as Ion binary in ${all.keys.length} objects, its first ${small}, and the same with random document ids, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const v = await timeVerify(root, 'bin/');
    const verifyRate = BLOCKS / v;
    console.log(`verify ION_BINARY: ${BLOCKS} blocks in ${v.toFixed(2)} s = ${Math.round(verifyRate)} blocks/s (target ≥ 20000)`);

    t0 = Date.now();
    const f = await timeImport(root, 'fifth/', small, fifth.digest);
    console.log(`import ${small} blocks: ${f.seconds.toFixed(2)} s = ${Math.round(small / f.seconds)} blocks/s, server peak RSS ${f.peakMb.toFixed(0)} MB`);
    const i = await timeImport(root, 'bin/', BLOCKS, all.digest);
    const importRate = BLOCKS / i.seconds;
    const cpu = i.cpuSeconds !== undefined ? `; ${Math.round(BLOCKS / i.cpuSeconds)} blocks per server CPU-second` : '';
    console.log(`import ${BLOCKS} blocks: ${i.seconds.toFixed(2)} s = ${Math.round(importRate)} blocks/s${cpu}, server peak RSS ${i.peakMb.toFixed(0)} MB (target ≤ 512)`);
    console.log(`ratio import / verify: ${(importRate / verifyRate).toFixed(2)} (target ≥ 0.5); peak RSS ${BLOCKS} blocks / ${small} blocks: ${(i.peakMb / f.peakMb).toFixed(2)}`);
    const r = await timeImport(root, 'random/', BLOCKS, random.digest);
    const randomRate = BLOCKS / r.seconds;
    const rcpu = r.cpuSeconds !== undefined ? `; ${Math.round(BLOCKS / r.cpuSeconds)} blocks per server CPU-second` : '';
    console.log(
      `import ${BLOCKS} blocks with random document ids (as QLDB's): ${r.seconds.toFixed(2)} s = ${Math.round(randomRate)} blocks/s${rcpu}, server peak RSS ${r.peakMb.toFixed(0)} MB; ` +
        `${(randomRate / importRate).toFixed(2)} × the ordered ids' rate, ${(randomRate / verifyRate).toFixed(2)} × verify's`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
