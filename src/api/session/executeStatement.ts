import { dom } from 'ion-js';
import { badRequest, internalFailure, ServiceError } from '../../server/errors';
import { executeStatement as runStatement } from '../../partiql';
import { StatementError, type IonValue } from '../../partiql/ledgerView';
import {
  decodeBase64,
  requireOpenTransaction,
  requireString,
  requireTransactionId,
  timing,
  type CommandContext,
} from './context';
import { encodeValue, firstPage } from './results';

const MAX_ION_BINARY = 131_072;
const MAX_ION_TEXT = 1_048_576;


/** Decodes Parameters: each ValueHolder holds exactly one Ion value (IonBinary or IonText). */
export function decodeParameters(raw: unknown): { values: IonValue[]; bytes: Uint8Array[] } {
  if (raw === undefined || raw === null) return { values: [], bytes: [] };
  if (!Array.isArray(raw)) throw badRequest('Parameters must be a list of ValueHolder');
  const values: IonValue[] = [];
  const bytes: Uint8Array[] = [];
  raw.forEach((holder, i) => {
    if (typeof holder !== 'object' || holder === null) throw badRequest(`Parameters[${i}] must be a ValueHolder`);
    const h = holder as Record<string, unknown>;
    const hasBinary = h.IonBinary !== undefined && h.IonBinary !== null;
    const hasText = h.IonText !== undefined && h.IonText !== null;
    if (hasBinary === hasText) throw badRequest(`Parameters[${i}] must have exactly one of IonBinary and IonText`);
    let b: Uint8Array;
    if (hasBinary) {
      b = decodeBase64(h.IonBinary, `Parameters[${i}].IonBinary`);
      if (b.length < 1 || b.length > MAX_ION_BINARY) {
        throw badRequest(`Parameters[${i}].IonBinary must be between 1 and ${MAX_ION_BINARY} bytes`);
      }
    } else {
      if (typeof h.IonText !== 'string') throw badRequest(`Parameters[${i}].IonText must be a string`);
      if (h.IonText.length < 1 || h.IonText.length > MAX_ION_TEXT) {
        throw badRequest(`Parameters[${i}].IonText must be between 1 and ${MAX_ION_TEXT} characters`);
      }
      b = Buffer.from(h.IonText, 'utf8');
    }
    let loaded: IonValue[];
    try {
      loaded = dom.loadAll(hasBinary ? b : (h.IonText as string));
    } catch (e) {
      throw badRequest(`Parameters[${i}] is not valid Ion: ${(e as Error).message}`);
    }
    if (loaded.length !== 1) throw badRequest(`Parameters[${i}] must hold exactly one Ion value, found ${loaded.length}`);
    values.push(loaded[0]);
    bytes.push(b);
  });
  return { values, bytes };
}

/** ExecuteStatement: runs one PartiQL statement in the open transaction. */
export function executeStatement(cmd: Record<string, unknown>, cx: CommandContext): object {
  const transactionId = requireTransactionId(cmd);
  const statement = requireString(cmd, 'Statement', 1, 100_000);
  const txn = requireOpenTransaction(cx, transactionId);
  const params = decodeParameters(cmd.Parameters);
  // every statement the server received is part of the commit digest, failed or not (§2.11)
  let statementDigest: Buffer;
  try {
    statementDigest = cx.session.txnExtra!.digest.addStatement(statement, params.bytes);
  } catch (e) {
    // ion-js reads lazily; the hasher walks every byte and finds what the loader let pass
    throw badRequest(`Parameters are not valid Ion: ${(e as Error).message}`);
  }
  txn.beginStatement(statement, statementDigest);
  const readsBefore = txn.readIOs;
  let values: IonValue[];
  try {
    values = runStatement(txn, statement, params.values).values;
  } catch (e) {
    // a failed statement leaves no effect; the transaction stays open (the drivers abort it)
    txn.rollbackStatement();
    if (e instanceof ServiceError) throw e;
    if (e instanceof StatementError) throw badRequest((e as Error).message);
    // values nested deeper than the stack allows are the request's fault, not the server's
    if (e instanceof RangeError && /call stack/.test(e.message)) throw badRequest('Value nesting is too deep');
    cx.op.app.log.error('statement failed', { statement, error: String((e as Error)?.stack ?? e) });
    throw internalFailure();
  }
  const writes = txn.statementWrites;
  txn.endStatement();
  const encoded = values.map(encodeValue);
  return {
    ExecuteStatement: {
      FirstPage: firstPage(cx.session, transactionId, encoded),
      TimingInformation: timing(cx),
      ConsumedIOs: { ReadIOs: txn.readIOs - readsBefore, WriteIOs: writes },
    },
  };
}
