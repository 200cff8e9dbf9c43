/**
 * SHA-256 of a byte range, written into a caller's buffer.
 *
 * Ion Hash takes one SHA-256 per struct field, mostly of inputs under 64 bytes, so the fixed cost
 * of a call dominates. hash-wasm (SHA-256 compiled to WebAssembly) costs about half of a call
 * into node:crypto for such inputs; it is made ready asynchronously when this module loads, and
 * until then — and for long inputs, where native code wins — node:crypto (OpenSSL) does the work.
 * Both compute the same function; no hash comes from code of ours.
 */
import { hash as nodeHash } from 'node:crypto';
import { createSHA256, type IHasher } from 'hash-wasm';

/** Inputs from this size on go to node:crypto: its call cost is amortised by then. */
const NATIVE_FROM = 512;

let wasm: IHasher | undefined;
/** Resolves once the WebAssembly hasher is ready (tests and benchmarks may await it). */
export const sha256Ready: Promise<void> = createSHA256().then(
  (h) => {
    wasm = h;
  },
  () => undefined, // without WebAssembly, node:crypto serves every input
);

function digest(src: Uint8Array, start: number, end: number): Uint8Array {
  // a typed-array view costs about as much as hashing a short input: none when src is the input
  const input = start === 0 && end === src.length ? src : src.subarray(start, end);
  if (wasm === undefined || end - start >= NATIVE_FROM) return nodeHash('sha256', input, 'buffer');
  wasm.init();
  wasm.update(input);
  return wasm.digest('binary');
}

/*
 * Ion Hash hashes the same short inputs again and again: a field name with a small value
 * (`version: 0`, a table's name and id, a statement's text) and structs of only those. In the
 * journals the benchmarks write, 65% of the inputs under 64 bytes had been hashed before (none of
 * the longer ones: pairs of hashes, whole documents). Their digests are kept in a direct-mapped
 * table keyed by the input's bytes, compared whole, so that a hit is exactly the SHA-256 of those
 * bytes; a lookup costs about a tenth of hashing. Each thread has its own table.
 */
const MEMO_SLOTS = 4096;
const MEMO_MAX = 63;
const memoInput = new Uint8Array(MEMO_SLOTS * MEMO_MAX);
const memoLength = new Int16Array(MEMO_SLOTS).fill(-1);
const memoDigest = new Uint8Array(MEMO_SLOTS * 32);

/** The slot of a short input: FNV-1a of its bytes. */
function memoSlot(src: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ src[i], 0x01000193);
  return (h ^ (h >>> 16)) & (MEMO_SLOTS - 1);
}

/** The position of the input's digest in memoDigest, hashing and keeping it unless it is there. */
function memoized(src: Uint8Array, start: number, end: number): number {
  const len = end - start;
  const slot = memoSlot(src, start, end);
  const base = slot * MEMO_MAX;
  let hit = memoLength[slot] === len;
  for (let i = 0; hit && i < len; i++) hit = memoInput[base + i] === src[start + i];
  if (!hit) {
    memoDigest.set(digest(src, start, end), slot * 32);
    for (let i = 0; i < len; i++) memoInput[base + i] = src[start + i];
    memoLength[slot] = len;
  }
  return slot * 32;
}

export function sha256Into(src: Uint8Array, start: number, end: number, out: Uint8Array, outPos: number): void {
  if (end - start > MEMO_MAX) {
    out.set(digest(src, start, end), outPos);
    return;
  }
  const at = memoized(src, start, end);
  for (let i = 0; i < 32; i++) out[outPos + i] = memoDigest[at + i];
}

export function sha256(src: Uint8Array): Buffer {
  if (src.length <= MEMO_MAX) {
    const out = Buffer.allocUnsafe(32);
    sha256Into(src, 0, src.length, out, 0);
    return out;
  }
  const d = digest(src, 0, src.length);
  return Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
