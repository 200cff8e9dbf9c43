/**
 * Request authentication (SigV4). The front door calls `authenticate` once per request, before
 * any operation runs, and the Caller it returns decides which account's resources are visible.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../api/types';
import type { Config } from '../config';

export interface SignedRequest {
  method: string;
  /** the raw request target as received: path and query string, still percent-encoded */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Authenticator {
  authenticate(req: SignedRequest): Promise<Caller>;
}

/** With auth off every caller is the server's default account and region. */
export function createAuthenticator(config: Config): Authenticator {
  const caller: Caller = { accountId: config.accountId, region: config.region };
  return { authenticate: async () => caller };
}
