/** The baseline: a bare node:http server answering a fixed JSON body of a DescribeLedger's size. */
import { createServer } from 'node:http';
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
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
