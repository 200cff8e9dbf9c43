/** Result pages: every value one complete Ion binary stream (IVM first), ≤ 200 values a page. */
import { randomBytes } from 'node:crypto';
import { dumpBinary } from 'ion-js';
import type { IonValue } from '../../partiql/ledgerView';
import type { Session } from '../../txn/sessions';
import { QUOTAS } from '../../txn/quotas';

export interface Page {
  Values: { IonBinary: string }[];
  NextPageToken?: string;
}

export function encodeValue(v: IonValue): string {
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
