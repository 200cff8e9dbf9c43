/**
 * SHA-256 of a byte range, written into a caller's buffer, by node:crypto: the hashes auditors
 * rely on come from OpenSSL, not from code of ours. (A JavaScript SHA-256 was about twice as fast
 * on the short inputs Ion Hash feeds it; the one-shot `crypto.hash` keeps the native call cheap
 * enough.)
 */
import { hash as nodeHash } from 'node:crypto';

export function sha256Into(src: Uint8Array, start: number, end: number, out: Uint8Array, outPos: number): void {
  out.set(nodeHash('sha256', src.subarray(start, end), 'buffer'), outPos);
}

export function sha256(src: Uint8Array): Buffer {
  return nodeHash('sha256', src, 'buffer');
}
