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
