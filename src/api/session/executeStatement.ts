import { dom } from 'ion-js';
import { badRequest, internalFailure, serializationError, ServiceError } from '../../server/errors';
import { executeStatement as runStatement } from '../../partiql';
import { STATEMENT_LIMITS, type StatementLimits } from '../../partiql/budget';
import { StatementError, type IonValue } from '../../partiql/ledgerView';
import {
  decodeBase64,
  requireOpenTransaction,
  requireStringType,
  requireTransactionId,
  timing,
  type CommandContext,
} from './context';
import { encodeValue, firstPage } from './results';
import { ReadFault, type CachingSnapshotReader } from '../../txn/snapshotReader';
import { rememberLoadedFrom } from '../../txn/ion';
import { ionHash } from '../../journal/ionHash';
import { NoIonValueError } from '../../journal/ionBinary';

const MAX_STATEMENT = 100_000;
const MAX_ION_BINARY = 131_072;
const MAX_ION_TEXT = 1_048_576;

/** The statement limits under the server's time limit: one frozen object, not a spread per statement. */
let limits: Readonly<StatementLimits> = STATEMENT_LIMITS;
function statementLimits(timeMs: number): Readonly<StatementLimits> {
  if (limits.timeMs !== timeMs) limits = Object.freeze({ ...STATEMENT_LIMITS, timeMs });
  return limits;
}

/** One ValueHolder as received: its bytes and which member carried them, no constraint checked yet. */
interface Holder {
  binary: boolean;
  bytes: Uint8Array;
  /** the IonText string, for its character-count limit */
  text?: string;
}

/**
 * The shape of Parameters: a list of ValueHolder with exactly one of IonBinary (base64) and
 * IonText (string). Wrong JSON types are SerializationException; sizes are checked later, after
 * the statement is folded into the commit digest.
 */
export function readHolders(raw: unknown): Holder[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw serializationError(`Unexpected value type for 'Parameters': expected a list`);
  return raw.map((holder, i): Holder => {
    const member = `Parameters[${i}]`;
    if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) {
      throw serializationError(`Unexpected value type for '${member}': expected an object`);
    }
    const h = holder as Record<string, unknown>;
    const hasBinary = h.IonBinary !== undefined && h.IonBinary !== null;
    const hasText = h.IonText !== undefined && h.IonText !== null;
    if (hasBinary) {
      const bytes = decodeBase64(h.IonBinary, `${member}.IonBinary`);
      if (hasText) throw badRequest(`${member} must have exactly one of IonBinary and IonText`);
      return { binary: true, bytes };
    }
    if (!hasText) throw badRequest(`${member} must have exactly one of IonBinary and IonText`);
    if (typeof h.IonText !== 'string') throw serializationError(`Unexpected value type for '${member}.IonText': expected a string`);
    return { binary: false, bytes: Buffer.from(h.IonText, 'utf8'), text: h.IonText };
  });
}

/**
 * The Ion hash of a binary holder's value, taken before ion-js reads it: the hasher reads every
 * byte, within bounds, and refuses malformed Ion at once, where ion-js can spend seconds on a few
 * bytes before refusing them (a timestamp whose fraction has a million digits is about a second,
 * on the server's one thread). Undefined for a stream with no value, refused below as ion-js
 * finds it. Text holders are hashed once ion-js has read them, as the hasher reads text through it.
 */
function hashBinaryHolder(h: Holder, i: number): Buffer | undefined {
  if (!h.binary) return undefined;
  try {
    return ionHash(h.bytes);
  } catch (e) {
    if (e instanceof NoIonValueError) return undefined;
    throw badRequest(`Parameters[${i}] is not valid Ion: ${(e as Error).message}`);
  }
}

/** The Ion values of one holder; BadRequest if its content is not an Ion stream. */
function loadHolder(h: Holder, i: number): IonValue[] {
  try {
    return dom.loadAll(h.binary ? h.bytes : h.text!);
  } catch (e) {
    throw badRequest(`Parameters[${i}] is not valid Ion: ${(e as Error).message}`);
  }
}

/** The constraints QLDB states for a ValueHolder, checked once the statement counts in the digest. */
function checkHolder(h: Holder, values: IonValue[], i: number): IonValue {
  if (h.binary && h.bytes.length > MAX_ION_BINARY) {
    throw badRequest(`Parameters[${i}].IonBinary must be between 1 and ${MAX_ION_BINARY} bytes`);
  }
  if (!h.binary && h.text!.length > MAX_ION_TEXT) {
    throw badRequest(`Parameters[${i}].IonText must be between 1 and ${MAX_ION_TEXT} characters`);
  }
  if (values.length !== 1) throw badRequest(`Parameters[${i}] must hold exactly one Ion value, found ${values.length}`);
  return values[0];
}

/** ExecuteStatement: runs one PartiQL statement in the open transaction. */
export function executeStatement(cmd: Record<string, unknown>, cx: CommandContext): object | Promise<object> {
  const transactionId = requireTransactionId(cmd);
  const statement = requireStringType(cmd, 'Statement');
  const holders = readHolders(cmd.Parameters);
  const txn = requireOpenTransaction(cx, transactionId);
  const binaryHashes = holders.map(hashBinaryHolder);
  const loaded = holders.map(loadHolder);
  // A holder with no value (an empty one, or nothing but a version marker) is refused like
  // non-Ion before the digest: no driver can send one, and CommitDigest cannot hash it.
  loaded.forEach((values, i) => {
    if (values.length === 0) throw badRequest(`Parameters[${i}] must hold exactly one Ion value, found 0`);
  });
  // The driver folds every statement into its digest before sending it, so the server folds
  // what it received before checking any limit: a client that catches the rejection and
  // commits must still match (§2.11; the choices are in sendCommand.ts).
  let statementDigest: Buffer;
  try {
    const paramHashes = holders.map((h, i) => binaryHashes[i] ?? ionHash(h.bytes));
    statementDigest = cx.session.txnExtra!.digest.addHashedStatement(statement, paramHashes);
  } catch (e) {
    // a text holder, hashed through ion-js once the loader read it: the hasher walks every
    // value, and may refuse what the lazy loader let pass. Nothing is folded then.
    throw badRequest(`Parameters are not valid Ion: ${(e as Error).message}`);
  }
  if (statement.length < 1 || statement.length > MAX_STATEMENT) {
    throw badRequest(`Statement must be between 1 and ${MAX_STATEMENT} characters long`);
  }
  const params = holders.map((h, i) => checkHolder(h, loaded[i], i));
  holders.forEach((h, i) => h.binary && rememberLoadedFrom(params[i], h.bytes));
  const startTime = new Date();
  const readsBefore = txn.readIOs;
  const run = (): IonValue[] | ReadFault => {
    txn.beginStatement(statement, statementDigest, startTime);
    try {
      return runStatement(txn, statement, params, statementLimits(cx.op.app.config.statementTimeLimitMs)).values;
    } catch (e) {
      // a failed statement leaves no effect; the transaction stays open (the drivers abort it)
      txn.rollbackStatement();
      txn.readIOs = readsBefore;
      if (e instanceof ReadFault) return e;
      throw statementFailure(e, statement, cx);
    }
  };
  const answer = (values: IonValue[]): object => {
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
  };
  const first = run();
  if (!(first instanceof ReadFault)) return answer(first);
  return (async () => {
    // an asynchronous store: fetch what the statement asked for, then run it again
    for (let fault = first; ; ) {
      await (txn.reader as CachingSnapshotReader).fetch(fault);
      if (txn.state !== 'open') throw badRequest(`Transaction ${transactionId} is not open in this session`);
      const next = run();
      if (!(next instanceof ReadFault)) return answer(next);
      fault = next;
    }
  })();
}

function statementFailure(e: unknown, statement: string, cx: CommandContext): unknown {
  if (e instanceof ServiceError) return e;
  if (e instanceof StatementError) return badRequest((e as Error).message);
  // values nested deeper than the stack allows are the request's fault, not the server's
  if (e instanceof RangeError && /call stack/.test(e.message)) return badRequest('Value nesting is too deep');
  cx.op.app.log.error('statement failed', { statement, error: String((e as Error)?.stack ?? e) });
  return internalFailure();
}
