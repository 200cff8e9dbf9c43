/**
 * Throwaway certificates for TLS tests, made at test time with the `openssl` command line: a root
 * CA, an intermediate CA under it, and server certificates for 127.0.0.1 / localhost signed by the
 * intermediate. A client that trusts only the root can reach the server only if the server sends
 * the intermediate too, so the tests also see that a chain in the cert file is served whole.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** the root CA certificate (PEM file) clients are told to trust */
  caFile: string;
  ca: Buffer;
  /** issues a server certificate; the cert file holds the leaf and the intermediate */
  issue(name: string, commonName?: string): { certFile: string; keyFile: string; serial: string };
  dispose(): void;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-pki-'));
  const caExt = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n';
  writeFileSync(join(dir, 'ca.ext'), caExt);
  writeFileSync(
    join(dir, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  const key = (name: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  key('root');
  openssl(['req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=openqldb test root', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.pem'], dir);
  key('int');
  openssl(['req', '-new', '-key', 'int.key', '-subj', '/CN=openqldb test intermediate', '-out', 'int.csr'], dir);
  openssl(['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '2', '-extfile', 'ca.ext', '-out', 'int.pem'], dir);
  return {
    dir,
    caFile: join(dir, 'root.pem'),
    ca: readFileSync(join(dir, 'root.pem')),
    issue(name, commonName = name) {
      key(name);
      openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${commonName}`, '-out', `${name}.csr`], dir);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', `${name}.leaf.pem`], dir);
      const serial = openssl(['x509', '-in', `${name}.leaf.pem`, '-noout', '-serial'], dir).trim().replace(/^serial=/, '');
      const certFile = join(dir, `${name}.pem`);
      writeFileSync(certFile, Buffer.concat([readFileSync(join(dir, `${name}.leaf.pem`)), readFileSync(join(dir, 'int.pem'))]));
      return { certFile, keyFile: join(dir, `${name}.key`), serial };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
