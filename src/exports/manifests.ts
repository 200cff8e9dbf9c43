/**
 * The started and completed manifests (control-plane.md §4.3), written in the export's format:
 * Ion text, Ion binary, or one JSON object.
 */
import * as ion from 'ion-js';
import type { OutputFormat } from './encoders';
import { isoMillis } from './layout';

export interface StartedManifest {
  ledgerName: string;
  exportId: string;
  inclusiveStartTime: Date;
  exclusiveEndTime: Date;
  bucket: string;
  prefix: string;
  objectEncryptionType: string;
  /** only when the request gave one */
  outputFormat?: OutputFormat;
}

type Field = [name: string, kind: 'string' | 'timestamp', value: string];

function startedFields(m: StartedManifest): Field[] {
  const fields: Field[] = [
    ['ledgerName', 'string', m.ledgerName],
    ['exportId', 'string', m.exportId],
    ['inclusiveStartTime', 'timestamp', isoMillis(m.inclusiveStartTime)],
    ['exclusiveEndTime', 'timestamp', isoMillis(m.exclusiveEndTime)],
    ['bucket', 'string', m.bucket],
    ['prefix', 'string', m.prefix],
    ['objectEncryptionType', 'string', m.objectEncryptionType],
  ];
  if (m.outputFormat) fields.push(['outputFormat', 'string', m.outputFormat]);
  return fields;
}

/** Manifests are written in the data's format; the manifest format of an export without one is Ion text. */
export function encodeStartedManifest(m: StartedManifest, format: OutputFormat): Buffer {
  const fields = startedFields(m);
  if (format === 'JSON') {
    return Buffer.from(JSON.stringify(Object.fromEntries(fields.map(([k, , v]) => [k, v]))), 'utf8');
  }
  const w = format === 'ION_BINARY' ? ion.makeBinaryWriter() : ion.makeTextWriter();
  w.stepIn(ion.IonTypes.STRUCT);
  for (const [name, kind, value] of fields) {
    w.writeFieldName(name);
    if (kind === 'string') w.writeString(value);
    else w.writeTimestamp(ion.Timestamp.parse(value)!);
  }
  w.stepOut();
  w.close();
  return Buffer.from(w.getBytes());
}

export function encodeCompletedManifest(keys: readonly string[], format: OutputFormat): Buffer {
  if (format === 'JSON') return Buffer.from(JSON.stringify({ keys }), 'utf8');
  const w = format === 'ION_BINARY' ? ion.makeBinaryWriter() : ion.makeTextWriter();
  w.stepIn(ion.IonTypes.STRUCT);
  w.writeFieldName('keys');
  w.stepIn(ion.IonTypes.LIST);
  for (const k of keys) w.writeString(k);
  w.stepOut();
  w.stepOut();
  w.close();
  return Buffer.from(w.getBytes());
}

/** `<exportId>.<strandId>.completed.manifest`, the name of a completed manifest after the prefix. */
export const COMPLETED_MANIFEST = /^([0-9A-Za-z]{22})\.([0-9A-Za-z]{22})\.completed\.manifest$/;

/** A manifest that cannot be read as QLDB writes them; the message says why. */
export class ManifestError extends Error {}

/** The keys a completed manifest lists, in journal order (Ion text, Ion binary or JSON). */
export function decodeCompletedManifest(bytes: Uint8Array): string[] {
  let values;
  try {
    values = ion.loadAll(bytes);
  } catch (e) {
    throw new ManifestError(`not a readable manifest: ${(e as Error).message}`);
  }
  const keys = values.length === 1 ? values[0].get('keys') : null;
  if (!keys || keys.getType().name !== 'list') throw new ManifestError('a completed manifest holds {keys: [...]}');
  return keys.elements().map((k) => {
    const s = k.stringValue();
    if (s === null) throw new ManifestError('a key is not a string');
    return s;
  });
}

/** What a started manifest says that a reader needs: the export's time range [start, end) in epoch ms, and whether it is JSON. */
export function decodeStartedManifest(bytes: Uint8Array): { start: number; end: number; json: boolean } {
  let values;
  try {
    values = ion.loadAll(bytes);
  } catch (e) {
    throw new ManifestError(`not a readable manifest: ${(e as Error).message}`);
  }
  const m = values.length === 1 && values[0].getType().name === 'struct' ? values[0] : null;
  if (!m) throw new ManifestError('not a struct');
  // a JSON export's manifest is one JSON object, whose times are strings
  const time = (name: string): number => {
    const v = m.get(name);
    const type = v?.getType().name;
    if (type === 'timestamp') return v!.timestampValue()!.getDate().getTime();
    if (type === 'string') return Date.parse(v!.stringValue()!);
    return NaN;
  };
  const start = time('inclusiveStartTime');
  const end = time('exclusiveEndTime');
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ManifestError('holds no inclusiveStartTime and exclusiveEndTime timestamps');
  return { start, end, json: m.get('outputFormat')?.stringValue() === 'JSON' };
}
