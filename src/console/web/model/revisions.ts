/**
 * history() rows as a document's revisions, oldest first, each with what changed since the one
 * before. A revision without data is a delete, unless it carries a dataHash: then its data was
 * redacted (the hash stays, so the journal still verifies).
 */
import { dom, dumpText } from 'ion-js';
import { diffValues, type Change } from './diff';

export interface Revision {
  version: number;
  txTime: string;
  txId: string;
  blockAddress?: dom.Value;
  hash?: string;
  data?: dom.Value;
  status: 'live' | 'deleted' | 'redacted';
  changes: Change[];
}

const text = (v: dom.Value | null | undefined) => (v ? dumpText(v) : '');

export function revisionsOf(rows: readonly dom.Value[]): Revision[] {
  const sorted = [...rows].sort((a, b) => Number(a.get('metadata', 'version')?.numberValue()) - Number(b.get('metadata', 'version')?.numberValue()));
  let previous: dom.Value | undefined;
  return sorted.map((row) => {
    const data = row.get('data') ?? undefined;
    const status = data ? 'live' : row.get('dataHash') ? 'redacted' : 'deleted';
    // a redacted revision's content is unknown: nothing can be said about what it changed
    const changes = status === 'redacted' ? [] : diffValues(previous, data);
    if (status !== 'redacted') previous = data;
    const hash = row.get('hash');
    return {
      version: Number(row.get('metadata', 'version')?.numberValue()),
      txTime: text(row.get('metadata', 'txTime')),
      txId: row.get('metadata', 'txId')?.stringValue() ?? '',
      blockAddress: row.get('blockAddress') ?? undefined,
      hash: hash && !hash.isNull() ? Buffer.from(hash.uInt8ArrayValue()!).toString('base64') : undefined,
      data,
      status,
      changes,
    };
  });
}
