/**
 * The one validator: checks a decoded request against its operation's model and converts wire
 * types (epoch-second timestamps, base64 blobs, query-string numbers) to Date, Buffer and number.
 * A value of the wrong JSON type is a SerializationException, as AWS answers; a constraint
 * violation is an InvalidParameterException in AWS's "N validation error(s) detected" form,
 * naming every violated member.
 */
import type { Member, Shape } from './model';
import { invalidParameter, serializationError } from '../server/errors';

interface Violation {
  path: string;
  member: string;
  value: unknown;
  rule: string;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function show(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (Array.isArray(value)) return `'[${value.join(', ')}]'`;
  if (typeof value === 'object') return `'{${Object.entries(value as object).map(([k, v]) => `${k}=${v}`).join(', ')}}'`;
  return `'${String(value)}'`;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Counts what a length constraint counts: code points of a string, entries of a map or list. */
function lengthOf(v: unknown): number {
  // only a string with surrogates has fewer code points than UTF-16 units; the rest need no copy
  if (typeof v === 'string') return SURROGATE.test(v) ? [...v].length : v.length;
  if (Buffer.isBuffer(v)) return v.length;
  if (Array.isArray(v)) return v.length;
  return Object.keys(v as object).length;
}

const patternCache = new Map<string, RegExp>();
function matches(pattern: string, s: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) patternCache.set(pattern, (re = new RegExp(pattern, 'u')));
  return re.test(s);
}

function typeError(path: string, expected: string): never {
  throw serializationError(`Unexpected value type for '${path}': expected ${expected}`);
}

/** Converts one wire value to its model type, or throws SerializationException. */
function convert(shape: Shape, raw: unknown, path: string, fromQuery: boolean): unknown {
  switch (shape.type) {
    case 'string':
      if (typeof raw !== 'string') typeError(path, 'a string');
      return raw;
    case 'integer': {
      const n = fromQuery && typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) typeError(path, 'an integer');
      return n;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') typeError(path, 'a boolean');
      return raw;
    case 'timestamp':
      // Every QLDB client sends epoch seconds as a JSON number (clients.md).
      if (typeof raw !== 'number' || !Number.isFinite(raw)) typeError(path, 'a timestamp in epoch seconds');
      if (Math.abs(raw) > 253402300799) typeError(path, 'a timestamp within years 0001-9999');
      return new Date(Math.round(raw * 1000));
    case 'blob':
      if (typeof raw !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) typeError(path, 'base64 data');
      return Buffer.from(raw, 'base64');
    case 'structure': {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) typeError(path, 'an object');
      const out: Record<string, unknown> = {};
      for (const [name, m] of Object.entries(shape.members)) {
        const v = (raw as Record<string, unknown>)[name];
        if (v !== undefined && v !== null) out[name] = convert(m.shape, v, `${path}.${name}`, false);
      }
      return out;
    }
    case 'map': {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) typeError(path, 'an object');
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (v === null) continue;
        out[k] = convert(shape.value, v, `${path}.${k}`, false);
      }
      return out;
    }
    case 'list': {
      const arr = fromQuery && !Array.isArray(raw) ? [raw] : raw;
      if (!Array.isArray(arr)) typeError(path, 'an array');
      return arr.map((v, i) => convert(shape.member, v, `${path}[${i}]`, fromQuery));
    }
  }
}

function check(shape: Shape, value: unknown, path: string, member: string, out: Violation[]): void {
  const bad = (rule: string) => out.push({ path, member, value, rule });
  switch (shape.type) {
    case 'string':
    case 'blob':
    case 'map':
    case 'list': {
      const len = lengthOf(value);
      if (shape.min !== undefined && len < shape.min) bad(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && len > shape.max) bad(`Member must have length less than or equal to ${shape.max}`);
      if (shape.type === 'string') {
        if (shape.pattern && !matches(shape.pattern, value as string)) bad(`Member must satisfy regular expression pattern: ${shape.pattern}`);
        if (shape.enum && !shape.enum.includes(value as string)) bad(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      }
      if (shape.type === 'map') {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          check(shape.key, k, `${path}.key`, member, out);
          check(shape.value, v, `${path}.${k}.value`, member, out);
        }
      }
      if (shape.type === 'list') (value as unknown[]).forEach((v, i) => check(shape.member, v, `${path}.${i + 1}.member`, member, out));
      return;
    }
    case 'integer': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) bad(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) bad(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case 'structure':
      checkMembers(shape.members, value as Record<string, unknown>, path, out);
      return;
    default:
      return;
  }
}

interface MemberEntry {
  name: string;
  member: Member;
  /** the name as AWS's validation messages spell it in a path */
  pathName: string;
  /** from the path or the query string: numbers and lists arrive as text */
  fromText: boolean;
}

/** Each members table as a list, built once: validation runs on every request. */
const memberEntries = new WeakMap<Record<string, Member>, MemberEntry[]>();

function entriesOf(members: Record<string, Member>): MemberEntry[] {
  let entries = memberEntries.get(members);
  if (!entries) {
    entries = Object.entries(members).map(([name, member]) => ({
      name,
      member,
      pathName: lowerFirst(name),
      fromText: member.location === 'querystring' || member.location === 'uri',
    }));
    memberEntries.set(members, entries);
  }
  return entries;
}

function checkMembers(members: Record<string, Member>, values: Record<string, unknown>, prefix: string, out: Violation[]) {
  for (const { name, member: m, pathName } of entriesOf(members)) {
    const path = prefix ? `${prefix}.${pathName}` : pathName;
    const v = values[name];
    if (v === undefined) {
      if (m.required) out.push({ path, member: name, value: null, rule: 'Member must not be null' });
      continue;
    }
    check(m.shape, v, path, name, out);
  }
}

/**
 * `raw` holds each member under its model name, as the protocol layer found it (strings from the
 * path and query, JSON values from the body). Returns the typed input.
 */
export function validateInput<T = Record<string, unknown>>(members: Record<string, Member>, raw: Record<string, unknown>): T {
  const input: Record<string, unknown> = {};
  for (const { name, member, fromText } of entriesOf(members)) {
    const v = raw[name];
    if (v === undefined || v === null) continue;
    input[name] = convert(member.shape, v, name, fromText);
  }
  const violations: Violation[] = [];
  checkMembers(members, input, '', violations);
  if (violations.length > 0) {
    const n = violations.length;
    const detail = violations.map((v) => `Value ${show(v.value)} at '${v.path}' failed to satisfy constraint: ${v.rule}`).join('; ');
    throw invalidParameter(`${n} validation error${n > 1 ? 's' : ''} detected: ${detail}`, violations[0].member);
  }
  return input as T;
}
