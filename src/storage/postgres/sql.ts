/**
 * How the PostgreSQL stores talk to pg: bigint columns (sequence numbers, epoch ms, counts) come
 * back as JS numbers — they stay far below 2^53 — through a parser set on each query, never
 * globally, so that no other user of pg in the process sees its strings change; and literals for
 * the few multi-statement writes that save round trips.
 */
import pg from 'pg';

const INT8 = 20;
const INT8_ARRAY = 1016;

// pg's typings list only the built-in type ids; any oid is a valid question
const parserOf = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => (value: string) => unknown;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8) return Number;
    if (oid === INT8_ARRAY) {
      const strings = parserOf(INT8_ARRAY, 'text') as (v: string) => string[];
      return (v: string) => strings(v).map(Number);
    }
    return parserOf(oid, format ?? 'text');
  },
};

/** A query whose bigints come back as numbers. */
export function q(text: string, values?: unknown[]): pg.QueryConfig {
  return { text, values, types } as pg.QueryConfig;
}

/**
 * A value as an SQL literal, for statements sent together in one simple query (which takes no
 * parameters): strings escaped by pg, numbers only when they are safe integers, bytes as hex.
 */
export function lit(v: string | number | boolean | Buffer | null | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return pg.escapeLiteral(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new TypeError(`not an integer for SQL: ${v}`);
    return String(v);
  }
  if (Buffer.isBuffer(v)) return `'\\x${v.toString('hex')}'::bytea`;
  throw new TypeError(`no SQL literal for ${typeof v}`);
}

/** `(a, b, c)` of literals */
export const row = (...vs: Parameters<typeof lit>[0][]) => `(${vs.map(lit).join(', ')})`;
