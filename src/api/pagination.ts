/**
 * Opaque NextTokens: base64 of the resume position plus an HMAC, bound to the operation, the
 * scope (ledger) and the caller's account and region that issued them. A token edited, forged,
 * or replayed by another account or for another operation is refused as AWS refuses a bad
 * token: InvalidParameterException on NextToken. Positions are sort keys, not offsets, so a
 * page resumes right after the last item returned even while items are added or removed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OperationContext } from './types';
import { invalidParameter } from '../server/errors';

const MAC_BYTES = 16;

function mac(ctx: OperationContext, payload: Buffer): Buffer {
  return createHmac('sha256', ctx.app.tokenSecret).update(payload).digest().subarray(0, MAC_BYTES);
}

interface TokenBody {
  o: string; // operation
  s: string; // scope, e.g. a ledger id
  a: string; // account
  r: string; // region
  k: string; // resume after this key
}

export function issueToken(ctx: OperationContext, operation: string, scope: string, afterKey: string): string {
  const body: TokenBody = { o: operation, s: scope, a: ctx.caller.accountId, r: ctx.caller.region, k: afterKey };
  const payload = Buffer.from(JSON.stringify(body));
  return Buffer.concat([payload, mac(ctx, payload)]).toString('base64');
}

/** Returns the key to resume after. */
export function readToken(ctx: OperationContext, operation: string, scope: string, token: string): string {
  const bad = () => invalidParameter('The provided NextToken is not valid.', 'NextToken');
  const raw = Buffer.from(token, 'base64');
  if (raw.length <= MAC_BYTES) throw bad();
  const payload = raw.subarray(0, raw.length - MAC_BYTES);
  const tag = raw.subarray(raw.length - MAC_BYTES);
  if (!timingSafeEqual(tag, mac(ctx, payload))) throw bad();
  let body: TokenBody;
  try {
    body = JSON.parse(payload.toString('utf8')) as TokenBody;
  } catch {
    throw bad();
  }
  if (body.o !== operation || body.s !== scope || body.a !== ctx.caller.accountId || body.r !== ctx.caller.region) throw bad();
  return body.k;
}

/**
 * Given up to `max + 1` items in key order, returns the page and the token for the next one.
 */
export function page<T>(
  ctx: OperationContext,
  operation: string,
  scope: string,
  items: readonly T[],
  max: number,
  keyOf: (item: T) => string,
): { items: readonly T[]; nextToken?: string } {
  if (items.length <= max) return { items };
  const shown = items.slice(0, max);
  return { items: shown, nextToken: issueToken(ctx, operation, scope, keyOf(shown[shown.length - 1])) };
}
