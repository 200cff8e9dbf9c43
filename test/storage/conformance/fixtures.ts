/**
 * Real journal values for the conformance suite: genesis blocks and CommitWrites built with the
 * journal core (block.ts, digestTree.ts) from what a commit reads under the tip lock, the way the
 * commit pipeline builds them, so the suite pins down that stores keep blocks exactly as hashed
 * and hand back the frontier the next block needs.
 */
import { buildBlock, genesisBlock, redactRevisionInBlock, type BuiltBlock } from '../../../src/journal/block';
import { nodesCompletedBy } from '../../../src/journal/digestTree';
import { ionHashString } from '../../../src/journal/ionHash';
import { ionTextToBinary } from '../../../src/journal/ionText';
import type { LedgerRow } from '../../../src/storage/store';
import type { CatalogWrite, CommitNeeds, CommitReads, CommitWrites, Store } from '../../../src/storage/stores';
import type { ExportJob } from '../../../src/exports/types';

export const T0 = Date.UTC(2024, 0, 1);
export const TABLE = 'X000000000000000000001';
export const OTHER_TABLE = 'X000000000000000000002';

export function ledgerRow(ledgerId: string, name = `ledger-${ledgerId}`, over: Partial<LedgerRow> = {}): LedgerRow {
  return {
    ledgerId,
    accountId: '000000000000',
    region: 'us-east-1',
    name,
    state: 'CREATING',
    stateUntil: T0 + 1000,
    createdMs: T0,
    permissionsMode: 'STANDARD',
    deletionProtection: true,
    ...over,
  };
}

export const arnOf = (name: string) => `arn:aws:qldb:us-east-1:000000000000:ledger/${name}`;

/** Ion binary of an Ion text document. */
export const ion = (text: string) => Buffer.from(ionTextToBinary(Buffer.from(text)));

export const strandOf = (ledgerId: string) => `S${ledgerId.padStart(21, '0')}`.slice(0, 22);

/** Creates the ledger's strand; returns its genesis block. */
export async function newStrand(store: Store, ledgerId: string, ts = T0): Promise<BuiltBlock> {
  const g = genesisBlock(strandOf(ledgerId), new Date(ts), `G${ledgerId.padStart(21, '0')}`.slice(0, 22));
  await store.journal.createStrand(ledgerId, strandOf(ledgerId), genesisOf(g, `G${ledgerId.padStart(21, '0')}`.slice(0, 22)));
  return g;
}

export const genesisOf = (g: BuiltBlock, transactionId: string) => ({
  blockHash: g.blockHash,
  timestampMs: g.blockTimestamp.getTime(),
  transactionId,
  ion: Buffer.from(g.ion),
});

export interface DocSpec {
  docId: string;
  tableId?: string;
  version: number;
  /** Ion text; undefined = a delete */
  data?: string;
}

export interface CommitSpec {
  ts: number;
  docs?: DocSpec[];
  catalog?: CatalogWrite[];
  indexEntries?: CommitWrites['indexEntries'];
  /** revisions to redact: their block is taken from the reads (declare it in `needs.blocks`) */
  redact?: { docId: string; version: number; blockSequenceNo: number }[];
  footprint?: Buffer;
}

/**
 * Builds consecutive blocks on top of what a commit read: the tip's hash, and the frontier,
 * grown with the nodes each block completes (the only nodes nodesCompletedBy may ask for).
 */
export class ChainBuilder {
  readonly built: BuiltBlock[] = [];
  private readonly nodes: Map<string, Buffer>;
  private seq: number;
  private hash: Buffer;

  constructor(
    private readonly ledgerId: string,
    private readonly reads: CommitReads,
  ) {
    this.nodes = new Map(reads.frontier);
    this.seq = reads.tip.tipSequenceNo;
    this.hash = reads.tip.tipBlockHash;
  }

  next(spec: CommitSpec): CommitWrites {
    const seq = this.seq + 1;
    const txId = `T${this.ledgerId}${String(seq).padStart(10, '0')}`;
    const txTime = new Date(spec.ts);
    const docs = spec.docs ?? [];
    const redactions = spec.redact ?? [];
    const built = buildBlock({
      strandId: this.reads.tip.strandId,
      sequenceNo: seq,
      transactionId: txId,
      blockTimestamp: txTime,
      previousBlockHash: this.hash,
      statements: [{ statement: 'INSERT INTO T ?', startTime: txTime, statementDigest: ionHashString('INSERT INTO T ?') }],
      documents: Object.fromEntries(docs.map((d) => [d.docId, { tableName: 'T', tableId: d.tableId ?? TABLE, statements: [0] }])),
      revisions: docs.map((d) => ({
        ...(d.data === undefined ? {} : { data: ion(d.data) }),
        metadata: { id: d.docId, version: d.version, txTime, txId },
      })),
      ...(redactions.length
        ? {
            redactionInfo: {
              revisions: redactions.map((r) => ({
                blockAddress: { strandId: this.reads.tip.strandId, sequenceNo: r.blockSequenceNo },
                tableId: TABLE,
                documentId: r.docId,
                version: r.version,
              })),
            },
          }
        : {}),
    });
    const source = {
      node: (level: number, index: number) => {
        const h = this.nodes.get(`${level}:${index}`);
        if (!h) throw new Error(`node (${level}, ${index}) is not on the frontier`);
        return h;
      },
    };
    const completed = nodesCompletedBy(seq, built.blockHash, source);
    for (const n of completed) this.nodes.set(`${n.level}:${n.index}`, n.hash);
    this.seq = seq;
    this.hash = built.blockHash;
    this.built.push(built);
    return {
      ledgerId: this.ledgerId,
      block: { sequenceNo: seq, blockHash: built.blockHash, timestampMs: spec.ts, transactionId: txId, ion: Buffer.from(built.ion) },
      treeNodes: completed.filter((n) => n.level > 0),
      catalog: spec.catalog ?? [],
      documents: docs.map((d, i) => ({
        docId: d.docId,
        tableId: d.tableId ?? TABLE,
        version: d.version,
        data: d.data === undefined ? null : ion(d.data),
        revisionIon: Buffer.from(built.revisions[i].ion),
      })),
      indexEntries: spec.indexEntries ?? [],
      redactions: redactions.map((r) => this.redaction(r)),
      footprint: spec.footprint ?? Buffer.from(`footprint of ${seq}`),
    };
  }

  private redaction(r: { docId: string; version: number; blockSequenceNo: number }): CommitWrites['redactions'][number] {
    const blockIon = this.reads.blocks.get(r.blockSequenceNo);
    if (!blockIon) throw new Error(`block ${r.blockSequenceNo} was not read`);
    const redacted = redactRevisionInBlock(blockIon, r.docId, r.version);
    if (!redacted) throw new Error(`block ${r.blockSequenceNo} holds no revision ${r.docId}/${r.version}`);
    return { docId: r.docId, version: r.version, revisionIon: Buffer.from(redacted.revision), blockSequenceNo: r.blockSequenceNo, blockIon: Buffer.from(redacted.ion) };
  }
}

export const noNeeds = (): CommitNeeds => ({ documents: [], liveDocumentsOf: [], revisions: [], blocks: [] });

/**
 * Commits one block per spec, in one batch, on top of whatever the tip is; returns the reads the
 * store gave and the blocks built.
 */
export async function commitBlocks(
  store: Store,
  ledgerId: string,
  specs: CommitSpec[],
  needs: CommitNeeds = noNeeds(),
  knownTip?: number,
): Promise<{ reads: CommitReads; built: BuiltBlock[] }> {
  const tip = knownTip ?? (await store.journal.strand(ledgerId))!.tipSequenceNo;
  return store.commits.commit(ledgerId, tip, needs, (reads) => {
    const chain = new ChainBuilder(ledgerId, reads);
    const writes = specs.map((s) => chain.next(s));
    return { writes, result: { reads, built: chain.built } };
  });
}

export function exportJob(exportId: string, createdMs: number, over: Partial<ExportJob> = {}): ExportJob {
  return {
    exportId,
    accountId: '000000000000',
    region: 'us-east-1',
    ledgerId: 'L1',
    ledgerName: 'books',
    createdMs,
    status: 'IN_PROGRESS',
    startMs: T0,
    endMs: T0 + 10_000,
    bucket: 'bucket',
    prefix: 'p/',
    encryptionType: 'SSE_S3',
    roleArn: 'arn:aws:iam::000000000000:role/r',
    strandId: 'S',
    firstSeq: 0,
    lastSeq: 9,
    maxObjectBytes: 1 << 20,
    maxObjectBlocks: 4,
    nextSeq: 0,
    ...over,
  };
}

/** Drops properties whose value is undefined: stores may leave an unset optional out or set it undefined. */
export const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v));
