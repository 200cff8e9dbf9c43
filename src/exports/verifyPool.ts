/**
 * Verifies whole data objects of a journal export on worker threads (verifyObject is independent
 * per object; exportVerifier.ts), so that `openqldb verify` and journal imports check blocks on
 * every core. Results come back in submission order; the caller links them in manifest order.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExportRange, ObjectSummary } from '../journal/exportVerifier';
import type { VerifyJob } from './verifyWorker';

/** What a worker answers: the object's summary. */
export type Verified = { summary: ObjectSummary };
type Pending = { resolve: (v: Verified) => void; reject: (e: Error) => void; onPart?: (part: unknown) => void };

/**
 * Verifies objects on worker threads; results come back in submission order. `script` is the
 * worker (verifyWorker.js, or readWorker.js, which also hands over the verified blocks in parts).
 */
export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: ({ job: VerifyJob } & Pending)[] = [];
  private readonly running = new Map<number, Pending>();
  private nextId = 0;

  constructor(size: number, script = join(__dirname, 'verifyWorker.js'), oldGenerationMb?: number) {
    for (let i = 0; i < size; i++) {
      // a bound on a worker's heap makes it collect rather than grow: it holds one object at a time
      const w = new Worker(script, oldGenerationMb ? { resourceLimits: { maxOldGenerationSizeMb: oldGenerationMb } } : undefined);
      w.on('message', (m: { id: number; part?: unknown; summary?: ObjectSummary; error?: string }) => {
        const r = this.running.get(m.id)!;
        if ('part' in m) {
          r.onPart?.(m.part);
          return;
        }
        this.running.delete(m.id);
        if (m.summary) r.resolve({ summary: revive(m.summary) });
        else r.reject(new Error(m.error));
        this.dispatch(w);
      });
      w.on('error', (e) => {
        for (const r of this.running.values()) r.reject(e);
        this.running.clear();
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /**
   * Verifies one object. A worker script may also post parts of what it reads before its answer
   * (readWorker.ts, for an import to write the first blocks while the rest are verified): they
   * go to `onPart`, in order, all before the answer.
   */
  run<P = never>(
    key: string,
    bytes: Uint8Array,
    strandId: string | undefined,
    hashesUpTo: number,
    range: ExportRange | undefined,
    onPart?: (part: P) => void,
  ): Promise<Verified> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ job: { id: this.nextId++, key, bytes, strandId, hashesUpTo, range }, resolve, reject, onPart: onPart as ((part: unknown) => void) | undefined });
      const w = this.idle.pop();
      if (w) this.dispatch(w);
    });
  }

  private dispatch(w: Worker): void {
    const next = this.waiting.shift();
    if (!next) {
      this.idle.push(w);
      return;
    }
    this.running.set(next.job.id, next);
    w.postMessage(next.job);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Buffers cross the thread boundary as plain Uint8Arrays. */
export function revive(s: ObjectSummary): ObjectSummary {
  const buf = (u?: Uint8Array) => (u ? Buffer.from(u.buffer, u.byteOffset, u.byteLength) : undefined);
  return { ...s, firstPreviousHash: buf(s.firstPreviousHash), lastBlockHash: buf(s.lastBlockHash), blockHashes: s.blockHashes.map((h) => buf(h)!) };
}

