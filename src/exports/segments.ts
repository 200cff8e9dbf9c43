/**
 * Encoding a job's blocks, a segment (a run of consecutive blocks) at a time.
 *
 * Every stored block is a complete Ion stream, so blocks encode independently: segments can be
 * read and encoded in parallel — by worker threads, each with its own read-only SQLite
 * connection, or read from any store asynchronously and encoded here — and the runner still cuts objects at exactly the same blocks, because it gets the
 * end offset of every block and applies the cut rule block by block, in order. The bytes of an
 * object are the concatenation of its blocks' encodings however the range was segmented.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BlockEncoder, type OutputFormat } from './encoders';
import type { ReadBlocks } from './journalSource';
import { OutBuf } from './outBuf';

export interface EncodedSegment {
  bytes: Uint8Array;
  /** end offset in `bytes` of each block of the segment, in order */
  ends: Uint32Array;
}

export interface SegmentEncoder {
  encode(ledgerId: string, fromSeq: number, toSeq: number, format: OutputFormat): Promise<EncodedSegment>;
  /** segments worth keeping in flight to keep every encoder busy */
  readonly depth: number;
  close(): Promise<void>;
}

/** Encodes the blocks of one segment, read already (the worker's body, and the in-process encoder's). */
export function encodeSegment(
  blocks: Buffer[],
  encoders: Map<OutputFormat, BlockEncoder>,
  out: OutBuf,
  fromSeq: number,
  toSeq: number,
  format: OutputFormat,
): EncodedSegment {
  if (blocks.length !== toSeq - fromSeq + 1) throw new Error(`blocks ${fromSeq}..${toSeq} of the journal are missing`);
  let encoder = encoders.get(format);
  if (!encoder) encoders.set(format, (encoder = new BlockEncoder(format)));
  out.reset();
  const ends = new Uint32Array(blocks.length);
  blocks.forEach((b, i) => {
    encoder!.encode(b, out);
    ends[i] = out.len;
  });
  // a copy with its own ArrayBuffer: transferable, and the scratch buffer is reused
  const bytes = new Uint8Array(out.len);
  bytes.set(out.view());
  return { bytes, ends };
}

/** Reads a segment (from the store, asynchronously) and encodes it on this thread. */
export class InProcessSegmentEncoder implements SegmentEncoder {
  readonly depth = 1;
  private readonly encoders = new Map<OutputFormat, BlockEncoder>();
  private readonly out = new OutBuf(1 << 20);

  constructor(
    private readonly read: ReadBlocks,
    private readonly closeReader?: () => void,
  ) {}

  async encode(ledgerId: string, fromSeq: number, toSeq: number, format: OutputFormat): Promise<EncodedSegment> {
    const blocks = await this.read(ledgerId, fromSeq, toSeq);
    // encoded without an await in between: the scratch buffer is this call's until it is copied
    return encodeSegment(blocks, this.encoders, this.out, fromSeq, toSeq, format);
  }

  async close(): Promise<void> {
    this.closeReader?.();
  }
}

interface Pending {
  resolve(s: EncodedSegment): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** A pool of worker threads reading the journal from the database file and encoding segments. */
export class WorkerSegmentEncoder implements SegmentEncoder {
  private readonly slots: Slot[] = [];
  private next = 0;
  private ids = 0;
  readonly depth: number;

  constructor(
    private readonly dbPath: string,
    private readonly size = Math.max(1, Math.min(4, availableParallelism())),
  ) {
    this.depth = this.size + 1;
  }

  private slot(): Slot {
    if (this.slots.length < this.size) {
      const worker = new Worker(join(__dirname, 'segmentWorker.js'), {
        workerData: { dbPath: this.dbPath },
        // a worker holds a segment or two at a time: a small heap keeps the export's memory flat
        resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
      });
      worker.unref();
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (m: { id: number; bytes?: Uint8Array; ends?: Uint32Array; error?: string }) => {
        const p = slot.pending.get(m.id);
        if (!p) return;
        slot.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve({ bytes: m.bytes!, ends: m.ends! });
      });
      const fail = (e: Error) => {
        for (const p of slot.pending.values()) p.reject(e);
        slot.pending.clear();
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`export worker exited with code ${code}`)));
      this.slots.push(slot);
      return slot;
    }
    return this.slots[this.next++ % this.slots.length];
  }

  encode(ledgerId: string, fromSeq: number, toSeq: number, format: OutputFormat): Promise<EncodedSegment> {
    const slot = this.slot();
    const id = ++this.ids;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      // a worker with work keeps the process alive until the job can record it
      slot.worker.ref();
      slot.worker.postMessage({ id, ledgerId, fromSeq, toSeq, format });
    }).finally(() => {
      if (slot.pending.size === 0) slot.worker.unref();
    }) as Promise<EncodedSegment>;
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * Worker threads and the server's own thread, taking segments in turn: the thread that cuts and
 * writes objects is mostly waiting on I/O, so it encodes every other segment itself, which
 * doubles text and JSON throughput on two cores without a second worker's memory.
 */
export class SharedSegmentEncoder implements SegmentEncoder {
  readonly depth: number;
  private turn = 0;

  constructor(
    private readonly workers: WorkerSegmentEncoder,
    private readonly local: InProcessSegmentEncoder,
  ) {
    this.depth = workers.depth + 1;
  }

  encode(ledgerId: string, fromSeq: number, toSeq: number, format: OutputFormat): Promise<EncodedSegment> {
    if (this.turn++ % 2 === 1) return this.workers.encode(ledgerId, fromSeq, toSeq, format);
    // later, so that the worker is busy with its segment while this thread encodes
    return new Promise((resolve, reject) =>
      setImmediate(() => this.local.encode(ledgerId, fromSeq, toSeq, format).then(resolve, reject)),
    );
  }

  async close(): Promise<void> {
    await this.workers.close();
    await this.local.close();
  }
}
