/**
 * A worker thread of journal imports (exports/verifyPool.ts with this script): verifies a whole
 * data object with the export verifier, as verifyWorker.ts does for `openqldb verify`, and then
 * reads its blocks for rebuilding, so that the server's thread is left with the store's writes.
 */
import { parentPort } from 'node:worker_threads';
import { verifyObject } from '../journal/exportVerifier';
import type { VerifyJob } from '../exports/verifyWorker';
import { readObject } from './rebuild';

parentPort?.on('message', (job: VerifyJob) => {
  try {
    const summary = verifyObject(job.key, job.bytes, job.strandId, job.hashesUpTo, job.range);
    parentPort!.postMessage({ id: job.id, summary, extra: summary.failure ? undefined : readObject(job.bytes) });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
