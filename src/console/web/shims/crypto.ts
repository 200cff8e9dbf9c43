/**
 * The node:crypto functions the journal core calls, for the browser bundle. SHA-256 comes from
 * the AWS SDK's own implementation (synchronous, unlike Web Crypto, as the core needs); the
 * core prefers hash-wasm once its WebAssembly is ready and uses this before then and for long
 * inputs, as it uses node:crypto on the server.
 */
import { RawSha256 } from '@aws-crypto/sha256-js/build/module/RawSha256';
import { Buffer } from 'buffer';

export function hash(algorithm: string, data: Uint8Array): Buffer {
  if (algorithm !== 'sha256') throw new Error(`${algorithm} is not available in the console`);
  const h = new RawSha256();
  h.update(data);
  return Buffer.from(h.digest());
}

export function randomBytes(size: number): Buffer {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(size)));
}
