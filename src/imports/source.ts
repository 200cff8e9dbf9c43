/**
 * What an import reads: the exports under a bucket and prefix (control-plane.md §4.3), found
 * through the sink that writes exports (the local directory or the S3 API), checked before a
 * single block is read: completed manifests (all, or the export ids asked for), their started
 * manifests, keys inside the prefix that name their blocks, one strand, no JSON, and data objects
 * that together cover a contiguous run of sequence numbers from block 0 (overlaps are allowed;
 * that they are identical is checked when their blocks are read).
 */
import { OBJECT_NAME, type ExportRange } from '../journal/exportVerifier';
import { COMPLETED_MANIFEST, ManifestError, decodeCompletedManifest, decodeStartedManifest } from '../exports/manifests';
import { startedManifestKey } from '../exports/layout';
import { SinkError, type Sink } from '../exports/sinks/sink';

/** Why an import fails: the object, the block (when there is one) and the check, in words. */
export class ImportFailure extends Error {
  constructor(
    readonly key: string,
    readonly check: string,
    message: string,
    readonly sequenceNo?: number,
  ) {
    super(message);
  }
}

export interface PlannedObject {
  key: string;
  exportId: string;
  firstSeq: number;
  lastSeq: number;
  /** the export's time range from its started manifest: every block's timestamp lies in it */
  range: ExportRange;
}

export interface ImportPlan {
  strandId: string;
  exportIds: string[];
  /** in sequence order; together they cover blocks 0..lastSeq */
  objects: PlannedObject[];
  lastSeq: number;
}

export interface ImportSource {
  bucket: string;
  prefix: string;
  exportIds?: string[];
}

function where(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

async function read(sink: Sink, bucket: string, key: string, what: string): Promise<Buffer> {
  try {
    return await sink.get(bucket, key);
  } catch (e) {
    const err = e instanceof SinkError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
    throw new ImportFailure(key, 'missingObject', `${where(bucket, key)}: ${what} cannot be read (${err})`);
  }
}

/** Finds and checks the exports to import; throws ImportFailure naming what is wrong. */
export async function planImport(sink: Sink, source: ImportSource): Promise<ImportPlan> {
  const { bucket, prefix } = source;
  let keys: string[];
  try {
    keys = await sink.list(bucket, prefix);
  } catch (e) {
    const err = e instanceof SinkError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
    throw new ImportFailure(prefix, 'source', `${where(bucket, prefix)}: cannot be listed (${err})`);
  }
  const manifests = keys
    .map((key) => ({ key, m: COMPLETED_MANIFEST.exec(key.slice(prefix.length)) }))
    .filter((x) => x.m && (!source.exportIds || source.exportIds.includes(x.m[1])))
    .map((x) => ({ key: x.key, exportId: x.m![1], strandId: x.m![2] }));
  for (const id of source.exportIds ?? []) {
    if (manifests.some((m) => m.exportId === id)) continue;
    const started = keys.includes(startedManifestKey(prefix, id));
    throw new ImportFailure(
      startedManifestKey(prefix, id),
      'manifest',
      started
        ? `export ${id} has a started manifest but no completed one under ${where(bucket, prefix)}: it is still IN_PROGRESS, or was CANCELLED`
        : `export ${id} has no completed manifest (<prefix>${id}.<strandId>.completed.manifest) under ${where(bucket, prefix)}`,
    );
  }
  if (!manifests.length) {
    throw new ImportFailure(prefix, 'manifest', `no completed manifest (<prefix><exportId>.<strandId>.completed.manifest) under ${where(bucket, prefix)}`);
  }
  const strands = [...new Set(manifests.map((m) => m.strandId))];
  if (strands.length > 1) {
    const [a, b] = strands.map((s) => manifests.find((m) => m.strandId === s)!);
    throw new ImportFailure(
      b.key,
      'strand',
      `the exports hold two strands: ${a.key} is of strand ${a.strandId}, ${b.key} of strand ${b.strandId}; a ledger has one strand, so import the exports of one ledger at a time`,
    );
  }
  const strandId = strands[0];
  const objects = new Map<string, PlannedObject>();
  for (const m of manifests) {
    const startedKey = startedManifestKey(prefix, m.exportId);
    let started;
    try {
      started = decodeStartedManifest(await read(sink, bucket, startedKey, 'the started manifest'));
    } catch (e) {
      if (e instanceof ManifestError) throw new ImportFailure(startedKey, 'manifest', `${where(bucket, startedKey)}: ${e.message}`);
      throw e;
    }
    let listed: string[];
    try {
      listed = decodeCompletedManifest(await read(sink, bucket, m.key, 'the completed manifest'));
    } catch (e) {
      if (e instanceof ManifestError) throw new ImportFailure(m.key, 'manifest', `${where(bucket, m.key)}: ${e.message}`);
      throw e;
    }
    if (started.json || listed.some((k) => k.endsWith('.json'))) {
      throw new ImportFailure(
        m.key,
        'format',
        `export ${m.exportId} is a JSON export, which cannot be imported: JSON keeps no Ion types (timestamps and blobs become ` +
          `strings, ints and decimals plain numbers, symbols strings, annotations are dropped), so no block could be re-hashed ` +
          `to its blockHash. Import an ION_TEXT or ION_BINARY export of the ledger.`,
      );
    }
    for (const key of listed) {
      if (!key.startsWith(prefix)) {
        throw new ImportFailure(m.key, 'manifest', `${where(bucket, m.key)} lists ${JSON.stringify(key)}, a key outside the prefix ${JSON.stringify(prefix)}`);
      }
      const name = OBJECT_NAME.exec(key);
      if (!name) {
        throw new ImportFailure(key, 'objectRange', `${where(bucket, key)}: listed by ${m.key}, but its name does not say which blocks it holds (<strandId>.<firstSeq>-<lastSeq>.ion)`);
      }
      const [, strand, lo, hi] = name;
      if (strand !== strandId) {
        throw new ImportFailure(key, 'strand', `${where(bucket, key)}: listed by ${m.key} of strand ${strandId}, but named after strand ${strand}`);
      }
      if (!objects.has(key)) {
        objects.set(key, { key, exportId: m.exportId, firstSeq: Number(lo), lastSeq: Number(hi), range: { start: started.start, end: started.end } });
      }
    }
  }
  const ordered = [...objects.values()].sort((a, b) => a.firstSeq - b.firstSeq || a.lastSeq - b.lastSeq || (a.key < b.key ? -1 : 1));
  let next = 0;
  for (const o of ordered) {
    if (o.firstSeq > next) {
      const missing = o.firstSeq - 1 === next ? `block ${next} is` : `blocks ${next}..${o.firstSeq - 1} are`;
      throw new ImportFailure(
        o.key,
        'sequence',
        `${missing} in no listed object: the exports must cover the strand from block 0 without a gap, and the next object, ${o.key}, starts at block ${o.firstSeq}`,
        next,
      );
    }
    next = Math.max(next, o.lastSeq + 1);
  }
  if (!ordered.length) throw new ImportFailure(manifests[0].key, 'sequence', `the exports under ${where(bucket, prefix)} hold no block`);
  return { strandId, exportIds: [...new Set(manifests.map((m) => m.exportId))], objects: ordered, lastSeq: next - 1 };
}
