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

export function sha256Into(src: Uint8Array, start: number, end: number, out: Uint8Array, outPos: number): void {
  out.set(digest(src, start, end), outPos);
}

export function sha256(src: Uint8Array): Buffer {
  const d = digest(src, 0, src.length);
  return Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
