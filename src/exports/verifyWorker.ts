/**
 * A worker thread of `openqldb verify` and of journal imports (verifyPool.ts): verifies whole
 * data objects on its own core (verifyObject is independent per object); the main thread links
 * them in manifest order.
 */
import { parentPort } from 'node:worker_threads';
import { verifyObject, type ExportRange } from '../journal/exportVerifier';
import { sha256Ready } from '../journal/sha256';

export interface VerifyJob {
  id: number;
  key: string;
  bytes: Uint8Array;
  strandId?: string;
  hashesUpTo: number;
  range?: ExportRange;
}

// a job runs synchronously to its end: one started before the WebAssembly SHA-256 is ready
// would hash a whole object through node:crypto, which costs more per call for short inputs
parentPort?.on('message', (job: VerifyJob) => void sha256Ready.then(() => verify(job)));

function verify(job: VerifyJob): void {
  try {
    parentPort!.postMessage({ id: job.id, summary: verifyObject(job.key, job.bytes, job.strandId, job.hashesUpTo, job.range) });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
}
