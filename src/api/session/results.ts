/** Result pages: every value one complete Ion binary stream (IVM first), ≤ 200 values a page. */
import { randomBytes } from 'node:crypto';
import { dumpBinary } from 'ion-js';
import type { IonValue } from '../../partiql/ledgerView';
import { documentIdRows } from '../../partiql/dml';
import { str, struct } from '../../partiql/values';
import { ID_PATTERN } from '../../journal/ids';
import type { Session } from '../../txn/sessions';
import { QUOTAS } from '../../txn/quotas';

export interface Page {
  Values: { IonBinary: string }[];
  NextPageToken?: string;
}

/**
 * `{documentId: "<22 characters>"}` as ion-js writes it (version marker, local symbol table,
 * struct), the id being its last 22 bytes: a DML statement's rows are written from it, as ion-js's
 * writer cost more per commit than the rest of the answer.
 */
let idRowTemplate: Buffer | undefined;
function documentIdRowTemplate(): Buffer {
  if (!idRowTemplate) {
    const t = Buffer.from(dumpBinary(struct([['documentId', str('0'.repeat(22))]])));
    // a string of 22 bytes (type 8, length 14 = "varuint follows", 22) ends the stream
    if (t[t.length - 24] !== 0x8e || t[t.length - 23] !== 0x96 || t.subarray(t.length - 22).toString('latin1') !== '0'.repeat(22)) {
      throw new Error('unexpected Ion encoding of a documentId row');
    }
    idRowTemplate = t;
  }
  return idRowTemplate;
}

export function encodeValue(v: IonValue): string {
  const id = documentIdRows.get(v);
  if (id !== undefined && ID_PATTERN.test(id)) {
    const b = Buffer.from(documentIdRowTemplate());
    b.write(id, b.length - 22, 'latin1');
    return b.toString('base64');
  }
  const b = dumpBinary(v);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** The first page of `values`; the rest is parked on the session under a fresh NextPageToken. */
export function firstPage(session: Session, transactionId: string, values: string[]): Page {
  return page(session, transactionId, values, 0);
}

export function page(session: Session, transactionId: string, values: string[], from: number): Page {
  const end = Math.min(values.length, from + QUOTAS.pageSize);
  const out: Page = { Values: values.slice(from, end).map((IonBinary) => ({ IonBinary })) };
  if (end < values.length) {
    const token = randomBytes(24).toString('base64');
    session.pages.set(token, { transactionId, values, readIOs: end });
    out.NextPageToken = token;
  }
  return out;
}
