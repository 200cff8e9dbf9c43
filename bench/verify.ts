/**
 * bench:verify — `openqldb verify` over a journal export of ≥ 100,000 blocks (built with the
 * journal core in the export layout), Ion binary and Ion text, in blocks per second. Target:
 * ≥ 20,000 blocks/s on Ion binary.
 *
 *   npm run bench:verify -- [--blocks 100000]
 *
 * Baseline, measured in the same run on a sample of the same blocks: the reference path a
 * verifier built on the QLDB samples takes (ion-js DOM + ion-hash-js for every hashed field),
 * so the printed ratio says how much faster this verifier is than that, on this machine, now.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dom, loadAll, makeBinaryWriter, makeReader } from 'ion-js';
import { cryptoHasherProvider, makeHashReader } from 'ion-hash-js';
import { runVerify } from '../src/cli/verify';
import { dot, merkleRoot } from '../src/journal/hash';
import { writeExport } from '../test/cli/exportFixture';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const BLOCKS = arg('--blocks', 100_000);

function refHash(v: dom.Value): Buffer {
  const w = makeBinaryWriter();
  v.writeTo(w);
  w.close();
  const r = makeHashReader(makeReader(w.getBytes()), cryptoHasherProvider('sha256'));
  r.next();
  r.next();
  return Buffer.from(r.digest());
}

/** The samples' verification of one block: DOM load, ion-hash-js for each hashed value. */
function referenceVerify(block: dom.Value): boolean {
  const list = block.get('entriesHashList')!.elements().map((e) => Buffer.from(e.uInt8ArrayValue()!));
  const revs = block.get('revisions')?.elements() ?? [];
  const hashes: Buffer[] = [];
  for (const r of revs) {
    const data = r.get('data');
    const h = data ? dot(refHash(r.get('metadata')!), refHash(data)) : refHash(r.get('metadata')!);
    if (!h.equals(Buffer.from(r.get('hash')!.uInt8ArrayValue()!))) return false;
    hashes.push(h);
  }
  if (hashes.length && !list.some((e) => e.equals(merkleRoot(hashes)))) return false;
  if (!list.some((e) => e.equals(refHash(block.get('transactionInfo')!)))) return false;
  const entries = merkleRoot(list);
  return dot(entries, Buffer.from(block.get('previousBlockHash')!.uInt8ArrayValue()!)).equals(Buffer.from(block.get('blockHash')!.uInt8ArrayValue()!));
}

/** Wall time, and this process's CPU time: on a shared machine the second is the steadier one. */
async function timeVerify(root: string, prefix: string): Promise<{ seconds: number; cpuSeconds: number; out: string }> {
  let out = '';
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const code = await runVerify(['--dir', root, '--bucket', 'bench', '--prefix', prefix], { out: (t) => (out += t), err: () => undefined });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  if (code !== 0) throw new Error(`verify failed: ${out}`);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, out };
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'bench-verify-'));
  try {
    let t0 = Date.now();
    const bin = writeExport(root, 'bench', 'bin/', BLOCKS, 'ION_BINARY', 10_000);
    console.log(`fixture: ${BLOCKS} blocks (1-3 revisions each) as Ion binary in ${bin.keys.length} objects, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const b = await timeVerify(root, 'bin/');
    const binRate = BLOCKS / b.seconds;
    console.log(`verify ION_BINARY: ${BLOCKS} blocks in ${b.seconds.toFixed(2)} s = ${Math.round(binRate)} blocks/s (target ≥ 20000); ${Math.round(BLOCKS / b.cpuSeconds)} blocks per CPU-second`);

    // the reference path on a sample of the same blocks
    const sample = readFileSync(join(root, 'bench', bin.keys[0]));
    const SAMPLE = Math.min(1000, BLOCKS);
    // the reference loads the blocks as DOM values, as the samples do; that is part of its cost
    const oneObject = loadAll(sample);
    t0 = Date.now();
    const c0 = process.cpuUsage();
    const all = oneObject.slice(0, SAMPLE);
    for (const blk of all) if (!referenceVerify(blk)) throw new Error('reference verification failed');
    const refCpu = process.cpuUsage(c0);
    const refRate = SAMPLE / ((refCpu.user + refCpu.system) / 1e6);
    const binCpuRate = BLOCKS / b.cpuSeconds;
    console.log(`reference (ion-hash-js over ion-js DOM values) on ${SAMPLE} of the same blocks: ${Math.round(refRate)} blocks per CPU-second`);
    console.log(`ratio ION_BINARY / reference, per CPU-second: ${(binCpuRate / refRate).toFixed(1)}x`);
    rmSync(join(root, 'bench', 'bin'), { recursive: true, force: true });

    t0 = Date.now();
    writeExport(root, 'bench', 'txt/', BLOCKS, 'ION_TEXT', 10_000);
    console.log(`fixture: the same blocks as Ion text, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const t = await timeVerify(root, 'txt/');
    console.log(`verify ION_TEXT: ${BLOCKS} blocks in ${t.seconds.toFixed(2)} s = ${Math.round(BLOCKS / t.seconds)} blocks/s; ${Math.round(BLOCKS / t.cpuSeconds)} blocks per CPU-second`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
