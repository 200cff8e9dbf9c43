/**
 * A worker thread of journal imports (exports/verifyPool.ts with this script): verifies a whole
 * data object with the export verifier, as verifyWorker.ts does for `openqldb verify`, and reads
 * its blocks for rebuilding from the same parse, so that the server's thread is left with the
 * store's writes.
 */
import { parentPort } from 'node:worker_threads';
import { sha256Ready } from '../journal/sha256';
import type { VerifyJob } from '../exports/verifyWorker';
import { packBlocks, verifyAndReadObject, type PackedBlocks } from './rebuild';

// as in verifyWorker.ts: no job before the WebAssembly SHA-256 is ready
parentPort?.on('message', (job: VerifyJob) => void sha256Ready.then(() => read(job)));

function read(job: VerifyJob): void {
  try {
    // packed a thousand blocks at a time: a whole object's small Buffers at once would hold more
    // memory than the object itself
    const extra: PackedBlocks[] = [];
    // revisions are re-encoded by the server's thread (encodeRevisions), which has the time
    const summary = verifyAndReadObject(job.key, job.bytes, job.strandId, job.range, 1_000, (blocks) => extra.push(packBlocks(blocks)), true);
    if (summary.failure) {
      parentPort!.postMessage({ id: job.id, summary });
      return;
    }
    parentPort!.postMessage({ id: job.id, summary, extra }, extra.map((p) => p.buffer));
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
}
