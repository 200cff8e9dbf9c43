/**
 * Errors as the shell shows them: one line, no stack. A service error keeps AWS's error type
 * (`BadRequestException: …`, `InvalidSignatureException: …`), since that is what people search
 * for; a connection that never got an answer names the endpoint.
 */

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
};

/** True when the endpoint never answered, so nothing is known about what the server did. */
export function isUnreachable(e: unknown): boolean {
  const err = e as { code?: string; name?: string };
  return (err.code !== undefined && err.code in UNREACHABLE) || err.name === 'TimeoutError';
}

const UNTRUSTED = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/;

/** A certificate the client does not trust: the connection was refused by this side. */
function isUntrusted(e: unknown): boolean {
  return e instanceof Error && UNTRUSTED.test((e as { code?: string }).code ?? '');
}

/** The request never reached the server (unreachable, or a certificate not trusted). */
export function isConnectionFailure(e: unknown): boolean {
  return isUnreachable(e) || isUntrusted(e);
}

/** A service error from the endpoint (it carries AWS's error type). */
export function isServiceError(e: unknown): e is Error & { name: string; $metadata: object } {
  return e instanceof Error && '$metadata' in e && '$fault' in e;
}

export function describeError(e: unknown, endpoint: string): string {
  if (isUnreachable(e)) {
    const err = e as { code?: string };
    return `cannot reach ${endpoint} (${err.code ? UNREACHABLE[err.code] : 'no connection within the time limit'})`;
  }
  if (isUntrusted(e)) return `cannot reach ${endpoint}: ${oneLine((e as Error).message)} (--ca-bundle names a CA to trust)`;
  if (isServiceError(e)) return `${e.name}: ${oneLine(e.message)}`;
  return e instanceof Error ? oneLine(e.message) : String(e);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
