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

/** A service error from the endpoint (it carries AWS's error type). */
export function isServiceError(e: unknown): e is Error & { name: string; $metadata: object } {
  return e instanceof Error && '$metadata' in e && '$fault' in e;
}

export function describeError(e: unknown, endpoint: string): string {
  if (isUnreachable(e)) {
    const err = e as { code?: string };
    return `cannot reach ${endpoint} (${err.code ? UNREACHABLE[err.code] : 'no connection within the time limit'})`;
  }
  if (isServiceError(e)) return `${e.name}: ${oneLine(e.message)}`;
  if (e instanceof Error) {
    // a certificate the client does not trust: the connection was refused by us, not the server
    const code = (e as { code?: string }).code ?? '';
    return /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) ? `cannot reach ${endpoint}: ${oneLine(e.message)}` : oneLine(e.message);
  }
  return String(e);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
