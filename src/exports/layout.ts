/**
 * Where an export's objects go (control-plane.md §4.3). Every key is the request's Prefix
 * concatenated as given — QLDB adds no slash — followed by the names below.
 */
import { FORMATS, type OutputFormat } from './encoders';

export function startedManifestKey(prefix: string, exportId: string): string {
  return `${prefix}${exportId}.started.manifest`;
}

export function completedManifestKey(prefix: string, exportId: string, strandId: string): string {
  return `${prefix}${exportId}.${strandId}.completed.manifest`;
}

/** `yyyy/MM/dd/HH/` of the export's creation time, UTC: every data object of one export shares it. */
export function hourPath(creationTime: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${String(creationTime.getUTCFullYear()).padStart(4, '0')}/${p(creationTime.getUTCMonth() + 1)}/` +
    `${p(creationTime.getUTCDate())}/${p(creationTime.getUTCHours())}/`
  );
}

export function dataObjectKey(
  prefix: string,
  creationTime: Date,
  strandId: string,
  firstSeq: number,
  lastSeq: number,
  format: OutputFormat,
): string {
  return `${prefix}${hourPath(creationTime)}${strandId}.${firstSeq}-${lastSeq}.${FORMATS[format].ext}`;
}

/** Ion timestamp text with millisecond precision in UTC, e.g. `2019-04-15T00:00:00.000Z`. */
export function isoMillis(d: Date): string {
  return d.toISOString();
}
