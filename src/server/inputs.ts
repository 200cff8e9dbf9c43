/**
 * A control-plane request's validated input. A request with no query string and no body is all
 * path, and clients repeat the same few (DescribeLedger of one ledger, GetDigest of another):
 * its input is kept with the route match the router keeps for that path, so a repeat skips
 * decoding and validation, about a tenth of such a request's server time. Only inputs that
 * passed are kept, frozen since every repeat shares them; anything else is checked every time.
 */
import { validateInput } from '../api/validate';
import { decodeRestJson } from './protocol';
import type { RouteMatch } from './router';

const validated = new WeakMap<RouteMatch, Readonly<Record<string, unknown>>>();

export function controlInput(match: RouteMatch, rawQuery: string | undefined, body: Buffer): Readonly<Record<string, unknown>> {
  const pathOnly = rawQuery === undefined && body.length === 0;
  const kept = pathOnly ? validated.get(match) : undefined;
  if (kept) return kept;
  const raw = decodeRestJson(match.operation, match.labels, new URLSearchParams(rawQuery ?? ''), body);
  const input = validateInput(match.operation.input, raw);
  if (pathOnly) validated.set(match, Object.freeze(input));
  return input;
}
