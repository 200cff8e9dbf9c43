/**
 * Export-shaped fixtures built with the journal core (control-plane.md §4.3 layout): data objects
 * `<prefix>yyyy/MM/dd/HH/<strandId>.<first>-<last>.ion` and a completed manifest.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BuiltBlock, blockToIonText, buildBlock, genesisBlock } from '../../src/journal/block';
import { ionHashString } from '../../src/journal/ionHash';
import { MemoryDigestTree } from '../../src/journal/digestTree';
import { idOfDigest } from '../../src/journal/ids';

export const STRAND = 'Fx000000000000000000AA';
export const EXPORT_ID = 'Ex000000000000000000AA';
/** blockTimestamp of block 0; block n (n > 0) is stamped T0 + 10n + 2 ms */
export const T0 = Date.UTC(2024, 0, 2, 3, 0, 0);

const PERSON = (seq: number, k: number) =>
  Buffer.from(`{GovId: "G${seq}-${k}", FirstName: "Jane", LastName: "Doe${seq}", DOB: 1990-01-${String((seq % 28) + 1).padStart(2, '0')}, Score: ${seq}.${k}5, Tags: [a, "b"]}`);

/** blockTimestamp of block `seq` in epoch ms, as the fixture stamps it unless told otherwise. */
export const stampOf = (seq: number, t0 = T0) => (seq === 0 ? t0 : t0 + seq * 10 + 2);

/** Document ids in the order they are made: `D000…0123`, so every insert appends to a table's keys. */
export const sequentialId = (n: number) => `D${String(n).padStart(21, '0')}`;

/**
 * Document ids as QLDB makes them, 22 base62 digits of 128 random bits (here a hash of `n`, so
 * that a fixture is the same each time): in a table's keys, each lands anywhere.
 */
export const randomId = (n: number) => idOfDigest(createHash('sha256').update(`fixture-document-${n}`).digest());

/**
 * A ledger of `n` blocks: genesis, then transactions with 1..3 revisions (some deletes).
 * `stamp` overrides blockTimestamps; no hash covers them, so the blocks verify whatever it says.
 * `idOf` names document n (n = 10 × sequenceNo + its place in the block).
 */
export function* ledgerBlocks(
  n: number,
  t0 = T0,
  stamp: (seq: number) => number = (seq) => stampOf(seq, t0),
  idOf: (n: number) => string = sequentialId,
): Generator<BuiltBlock> {
  let prev = genesisBlock(STRAND, new Date(stamp(0)), 'Tx000000000000000000AA');
  yield prev;
  const stmt = 'INSERT INTO Person ?';
  const digest = ionHashString(stmt);
  for (let seq = 1; seq < n; seq++) {
    const txId = `T${String(seq).padStart(21, '0')}`;
    const txTime = new Date(t0 + seq * 10);
    const revisions = Array.from({ length: 1 + (seq % 3) }, (_, k) => ({
      data: seq % 7 === 0 && k === 0 ? undefined : PERSON(seq, k),
      metadata: { id: idOf(seq * 10 + k), version: seq % 7 === 0 && k === 0 ? 1 : 0, txTime, txId },
    }));
    prev = buildBlock({
      strandId: STRAND,
      sequenceNo: seq,
      transactionId: txId,
      blockTimestamp: new Date(stamp(seq)),
      previousBlockHash: prev.blockHash,
      statements: [{ statement: stmt, startTime: new Date(txTime.getTime() - 3), statementDigest: digest }],
      documents: Object.fromEntries(revisions.map((r) => [r.metadata.id, { tableName: 'Person', tableId: 'Tb000000000000000000AA', statements: [0] }])),
      revisions,
    });
    yield prev;
  }
}

export interface WrittenExport {
  keys: string[];
  manifestKey: string;
  digest: Buffer;
  tip: number;
}

export interface ExportOptions {
  /** the first block exported (default 0); the ledger still starts at block 0 */
  from?: number;
  /** exclusiveEndTime in epoch ms (default: just past block n-1) */
  end?: number;
  exportId?: string;
  /** blockTimestamp of each block in epoch ms (default stampOf) */
  stamp?: (seq: number) => number;
  /** document ids (default sequentialId) */
  idOf?: (n: number) => string;
}

/**
 * Writes an export of blocks from..n-1 under `<root>/<bucket>/<prefix>`, `perObject` blocks per
 * data object, as ION_TEXT (one block per line) or ION_BINARY (one stream), with a started
 * manifest whose time range holds exactly those blocks.
 */
export function writeExport(
  root: string,
  bucket: string,
  prefix: string,
  n: number,
  format: 'ION_TEXT' | 'ION_BINARY',
  perObject = 10,
  options: ExportOptions = {},
): WrittenExport {
  const from = options.from ?? 0;
  const exportId = options.exportId ?? EXPORT_ID;
  const keys: string[] = [];
  const tree = new MemoryDigestTree();
  let batch: BuiltBlock[] = [];
  const put = (key: string, data: Buffer | string) => {
    const path = join(root, bucket, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  };
  const flush = () => {
    if (!batch.length) return;
    const key = `${prefix}2024/01/02/03/${STRAND}.${batch[0].sequenceNo}-${batch[batch.length - 1].sequenceNo}.ion`;
    if (format === 'ION_TEXT') put(key, batch.map((b) => blockToIonText(b.ion)).join('\n') + '\n');
    else put(key, Buffer.concat(batch.map((b) => Buffer.from(b.ion))));
    keys.push(key);
    batch = [];
  };
  for (const b of ledgerBlocks(n, T0, options.stamp, options.idOf)) {
    tree.append(b.blockHash);
    if (b.sequenceNo < from) continue;
    batch.push(b);
    if (batch.length === perObject) flush();
  }
  flush();
  const manifestKey = `${prefix}${exportId}.${STRAND}.completed.manifest`;
  writeManifest(root, bucket, manifestKey, keys);
  const iso = (ms: number) => new Date(ms).toISOString();
  put(
    `${prefix}${exportId}.started.manifest`,
    `{ledgerName:"fixture",exportId:"${exportId}",inclusiveStartTime:${iso(T0 + from * 10)},exclusiveEndTime:${iso(options.end ?? T0 + n * 10)},` +
      `bucket:"${bucket}",prefix:"${prefix}",objectEncryptionType:"NO_ENCRYPTION",outputFormat:"${format}"}`,
  );
  return { keys, manifestKey, digest: tree.digest(), tip: n - 1 };
}

export function writeManifest(root: string, bucket: string, manifestKey: string, keys: string[]): void {
  const path = join(root, bucket, manifestKey);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `{keys:[${keys.map((k) => JSON.stringify(k)).join(',')}]}`);
}
