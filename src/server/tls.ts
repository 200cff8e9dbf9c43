/**
 * The TLS certificate and key of `--tls-cert` / `--tls-key`, read and checked as a unit: at
 * start-up a bad pair stops the server with a message that says which file is wrong, and on
 * SIGHUP a bad pair is refused while the server keeps serving the one it has.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsMaterial {
  /** the whole PEM file: a chain in it is served whole */
  cert: Buffer;
  key: Buffer;
  subject: string;
  validTo: string;
  /** certificates in the cert file, leaf first */
  chainLength: number;
}

function read(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
}

export function loadTlsMaterial(certFile: string, keyFile: string): TlsMaterial {
  const cert = read('--tls-cert', certFile);
  const key = read('--tls-key', keyFile);
  const chainLength = (cert.toString('latin1').match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
  let leaf: X509Certificate;
  try {
    if (chainLength === 0) throw new Error('no PEM certificate');
    leaf = new X509Certificate(cert);
  } catch {
    throw new Error(`--tls-cert ${certFile} does not hold a readable PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`--tls-key ${keyFile} does not hold a readable, unencrypted PEM private key`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new Error(`the key in --tls-key ${keyFile} does not match the certificate in --tls-cert ${certFile}`);
  }
  try {
    // what the server will really do with them (e.g. a key type OpenSSL refuses for TLS)
    createSecureContext({ cert, key });
  } catch (e) {
    throw new Error(`--tls-cert ${certFile} and --tls-key ${keyFile} cannot serve TLS: ${(e as Error).message}`);
  }
  return { cert, key, subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo, chainLength };
}
