/**
 * The CommitDigest of a session transaction (journal spec §2.11), recomputed by the server from
 * what it actually received and compared with the client's:
 *   acc = H(transactionId); for each statement: s = H(statement); s = dot(s, H(p)) per
 *   parameter; acc = dot(acc, s).
 * The drivers compute the same value client-side; a mismatch means the server did not execute
 * what the client sent.
 */
import { dot } from './hash';
import { ionHash, ionHashString } from './ionHash';

/**
 * H(statement) by statement text: applications send the same few statements with new
 * parameters, so each text is hashed once. Bounded, because statements are user input.
 */
const statementHashes = new Map<string, Buffer>();

function statementHash(statement: string): Buffer {
  let h = statementHashes.get(statement);
  if (!h) {
    h = ionHashString(statement);
    if (statementHashes.size >= 1_000) statementHashes.clear();
    statementHashes.set(statement, h);
  }
  return h;
}

export class CommitDigest {
  private acc: Buffer;

  constructor(readonly transactionId: string) {
    this.acc = ionHashString(transactionId);
  }

  /**
   * Folds one ExecuteStatement in. `params` are the parameter values as sent (Ion binary or
   * Ion text bytes hash the same). Returns the statement's own hash, which is also what the
   * block records as its `statementDigest`.
   */
  addStatement(statement: string, params: readonly Uint8Array[] = []): Buffer {
    return this.addHashedStatement(statement, params.map((p) => ionHash(p)));
  }

  /** addStatement, given the Ion hashes of the parameters. */
  addHashedStatement(statement: string, paramHashes: readonly Uint8Array[]): Buffer {
    let s = statementHash(statement);
    for (const h of paramHashes) s = dot(s, h);
    this.acc = dot(this.acc, s);
    // the cached hash is shared: the caller gets its own copy
    return paramHashes.length ? s : Buffer.from(s);
  }

  digest(): Buffer {
    return Buffer.from(this.acc);
  }
}
