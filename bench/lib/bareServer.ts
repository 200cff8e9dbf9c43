/**
 * The baseline: a bare node:http (or, given a certificate and key, node:https) server answering a
 * fixed JSON body of a DescribeLedger's size to any request. Prints the URL it answers at, as
 * openqldb does, so both are started and timed the same way.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({
  Name: 'bench',
  Arn: 'arn:aws:qldb:us-east-1:000000000000:ledger/bench',
  State: 'ACTIVE',
  CreationDateTime: 1764136800.123,
  PermissionsMode: 'ALLOW_ALL',
  DeletionProtection: true,
  EncryptionDescription: { KmsKeyArn: 'AWS_OWNED_KMS_KEY', EncryptionStatus: 'ENABLED' },
});
const answer = (req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
};
const [certFile, keyFile] = process.argv.slice(2);
const server = certFile
  ? createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), keepAliveTimeout: 65_000 }, answer)
  : createServer({ keepAliveTimeout: 65_000 }, answer);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare server at ${certFile ? 'https' : 'http'}://127.0.0.1:${port}\n`);
});
