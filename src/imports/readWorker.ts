/**
 * A worker thread of journal imports (exports/verifyPool.ts with this script): verifies a whole
 * data object with the export verifier, as verifyWorker.ts does for `openqldb verify`, and hands
 * its blocks' streams to the server's thread, which reads them for rebuilding and writes them.
 */
import { parentPort } from 'node:worker_threads';
import { sha256Ready } from '../journal/sha256';
import type { VerifyJob } from '../exports/verifyWorker';
import { verifyAndPackObject, type PackedStreams } from './rebuild';

// as in verifyWorker.ts: no job before the WebAssembly SHA-256 is ready
parentPort?.on('message', (job: VerifyJob) => void sha256Ready.then(() => read(job)));

function read(job: VerifyJob): void {
  try {
    // a thousand blocks to a buffer, each moved to the server's thread as soon as it is full, so
    // that the writing of an object starts while the rest of it is verified
    const summary = verifyAndPackObject(job.key, job.bytes, job.strandId, job.range, 1_000, (part: PackedStreams) =>
      parentPort!.postMessage({ id: job.id, part }, [part.buffer]),
    );
    parentPort!.postMessage({ id: job.id, summary });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
}
