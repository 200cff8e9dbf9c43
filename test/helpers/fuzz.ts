/**
 * A seeded generator of malformed requests for both QLDB APIs.
 *
 * Every request starts from a valid one (built from the operation model, aimed at a real ledger,
 * session and transaction so that the server's deeper code runs) and then gets at least one
 * defect that no server may accept: a wrong JSON type, a missing required member, a string over
 * its length limit or outside its pattern, a junk timestamp, a hostile path label, bad query
 * values, invalid UTF-8, truncated or non-object JSON, deep nesting, bad base64 or bad Ion in a
 * ValueHolder. Because the defect is guaranteed, a write operation that answers 2xx is a finding.
 * The same seed always yields the same requests, so a failure can be replayed.
 */
import { OPERATIONS, type Member, type OperationModel, type Shape } from '../../src/api/model';

type StringShape = Extract<Shape, { type: 'string' }>;

export interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast, good enough to spread inputs; not for anything secret. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}

export interface FuzzTarget {
  ledger: string;
  accountId: string;
  region: string;
  /** an open session and a transaction open in it, so that command handlers get past the lookups */
  sessionToken: string;
  transactionId: string;
}

export interface FuzzRequest {
  /** operation the request was derived from (SendCommand for the session API) */
  op: string;
  /** what was broken, for the failure report */
  defect: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomId = (r: Rng, n = 22) => Array.from({ length: n }, () => r.pick([...ALNUM])).join('');

/** Strings that no name, id, ARN or enum in QLDB's model accepts (each breaks a pattern or a length). */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '..',
  '../../etc/passwd',
  '..\\..\\windows',
  'a\u0000b',
  '\u0000',
  'name\n',
  '\ud800',
  '\udfff\ud800',
  '\uffff',
  '\ufeff',
  '💩💩💩',
  '<script>alert(1)</script>',
  "'; DROP TABLE ledgers; --",
  '${jndi:ldap://x}',
  '%00',
  '%2e%2e%2f',
  '-leading',
  'trailing-',
  'double--dash',
  '1234567890',
  'under_score',
  'ALLOW_ALL ',
  'standard',
  'SSE_S3\u0000',
];

/** Raw (still percent-encoded) path labels that decode to something no label accepts. */
const HOSTILE_LABELS = [
  '..',
  '.',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '%2E%2E',
  '%00',
  'fuzz%00target',
  '%ZZ',
  '%',
  '%E0%A4%A',
  '%C0%AE%C0%AE',
  '%ED%A0%80',
  '%EF%BF%BF',
  '%F0%9F%92%A9',
  '%2F',
  'a%2Fb',
  '%20',
  'a%20b',
  '-x',
  'x-',
  'a--b',
  '12345',
  'a_b',
  '%3Cscript%3E',
  '%27%3B%20DROP%20TABLE%20ledgers%3B--',
  'arn%3Aaws%3Aqldb%3Aus-east-1%3A000000000000%3Aledger%2F..%2F..',
  'arn:aws:qldb:us-east-1:000000000000:ledger/%00',
  '%252F',
];

function hostileLabel(r: Rng): string {
  const roll = r.next();
  if (roll < 0.6) return r.pick(HOSTILE_LABELS);
  if (roll < 0.8) return 'a'.repeat(r.int(33, 11_000)); // too long for any label; stays under the 16 KB request-line limit
  // a valid-looking name with a hostile suffix keeps it from matching anything real
  return 'fuzz-target' + r.pick(['%00', '%2F..', '%0A', '%20', '..', '%C3%28', '%FF']);
}

/** Whether the model's own constraints refuse `s` (lengths count code points, as the validator does). */
function violates(shape: StringShape, s: string): boolean {
  const len = [...s].length;
  if (shape.min !== undefined && len < shape.min) return true;
  if (shape.max !== undefined && len > shape.max) return true;
  if (shape.pattern && !new RegExp(shape.pattern, 'u').test(s)) return true;
  return !!shape.enum && !shape.enum.includes(s);
}

/** A string the shape refuses: a hostile one that breaks its pattern, enum or bounds, else one over its length limit. */
function junkString(r: Rng, shape: StringShape): string {
  const refused = HOSTILE_STRINGS.filter((s) => violates(shape, s));
  if (refused.length && r.chance(0.65)) return r.pick(refused);
  const max = shape.max ?? 1024;
  // over the limit by a little, and now and then by megabytes
  const n = r.chance(0.03) ? Math.max(max + 1, r.int(1_000_000, 3_000_000)) : max + r.int(1, 5000);
  return r.pick(['x', 'é', '💩', '\u0000']).repeat(n);
}

/** A JSON value of a type the shape does not take (null only where the member is required). */
function wrongType(r: Rng, shape: Shape, deep: boolean): unknown {
  if (deep) {
    const n = r.int(1_000, 150_000);
    return { __deep: n };
  }
  const candidates: unknown[] = [];
  const t = shape.type;
  if (t !== 'string') candidates.push('text', '', '1704067200', 'true');
  if (t !== 'integer' && t !== 'timestamp') candidates.push(42, -1, 1.5, 1e308);
  if (t !== 'boolean') candidates.push(true, false);
  if (t !== 'structure' && t !== 'map') candidates.push({}, { nested: { deeper: 'x' } });
  if (t !== 'list') candidates.push([], ['x'], [[[]]]);
  if (t === 'integer') candidates.push(1.5, 1e21);
  if (t === 'timestamp') candidates.push('2024-01-01T00:00:00Z', 'yesterday', 1e300, -1e300, 253402300800);
  return r.pick(candidates);
}

/** A valid value for a shape, aimed at the fuzz target where the value names something. */
function validValue(r: Rng, shape: Shape, name: string, t: FuzzTarget): unknown {
  switch (shape.type) {
    case 'string':
      if (shape.enum) return r.pick(shape.enum);
      if (name === 'ResourceArn') return `arn:aws:qldb:${t.region}:${t.accountId}:ledger/${t.ledger}`;
      if (name === 'RoleArn') return `arn:aws:iam::${t.accountId}:role/fuzz`;
      if (name === 'StreamArn') return `arn:aws:kinesis:${t.region}:${t.accountId}:stream/fuzz`;
      if (name === 'KmsKeyArn' || name === 'KmsKey') return `arn:aws:kms:${t.region}:${t.accountId}:key/fuzz`;
      if (shape.min === 22 && shape.max === 22) return randomId(r);
      if (name === 'Bucket') return 'fuzz-bucket';
      if (name === 'Name' || name === 'LedgerName' || name === 'StreamName') return t.ledger;
      if (name === 'IonText') return '{strandId: "AAAAAAAAAAAAAAAAAAAAAA", sequenceNo: 1}';
      return 'x';
    case 'integer':
      return r.int(shape.min ?? 0, Math.min(shape.max ?? 100, 100));
    case 'boolean':
      return r.chance(0.5);
    case 'timestamp':
      return 1_700_000_000 + r.int(0, 10_000_000);
    case 'blob':
      return 'AAAA';
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [k, m] of Object.entries(shape.members)) if (m.required || r.chance(0.5)) out[k] = validValue(r, m.shape, k, t);
      return out;
    }
    case 'map':
      return { owner: 'fuzz' };
    case 'list':
      return ['owner'];
  }
}

interface Slot {
  /** path of keys from the body root */
  keys: string[];
  shape: Shape;
  required: boolean;
}

/** Every member position in a (valid) body, nested ones included. */
function slots(members: Record<string, Member>, prefix: string[] = []): Slot[] {
  const out: Slot[] = [];
  for (const [k, m] of Object.entries(members)) {
    if (m.location) continue;
    out.push({ keys: [...prefix, k], shape: m.shape, required: !!m.required });
    if (m.shape.type === 'structure') out.push(...slots(m.shape.members, [...prefix, k]));
  }
  return out;
}

function setAt(root: Record<string, unknown>, keys: string[], value: unknown, remove = false): void {
  let node = root;
  for (const k of keys.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  if (remove) delete node[keys[keys.length - 1]];
  else node[keys[keys.length - 1]] = value;
}

/** JSON.stringify, except that `{__deep: n}` becomes n nested arrays (too deep to build as objects). */
function encode(value: unknown): string {
  return JSON.stringify(value).replace(/\{"__deep":(\d+)\}/g, (_, n) => '['.repeat(Number(n)) + ']'.repeat(Number(n)));
}

/** Splices invalid UTF-8 into a body: lone continuation bytes, overlong forms, encoded surrogates. */
function invalidUtf8(r: Rng, text: string): Buffer {
  const bad = r.pick([[0xff], [0xfe, 0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]);
  const buf = Buffer.from(text, 'utf8');
  const at = r.int(0, buf.length);
  return Buffer.concat([buf.subarray(0, at), Buffer.from(bad), buf.subarray(at)]);
}

function rawBodyDefect(r: Rng, json: string): { body: Buffer; defect: string } {
  switch (r.int(0, 5)) {
    case 0:
      return { body: invalidUtf8(r, json), defect: 'invalid UTF-8' };
    case 1:
      return { body: Buffer.from(json.slice(0, r.int(1, Math.max(1, json.length - 1)))), defect: 'truncated JSON' };
    case 2:
      return { body: Buffer.from(json + r.pick(['}', ']', ' x', ',', '\u0000', '{}'])), defect: 'trailing garbage' };
    case 3:
      return { body: Buffer.from(r.pick(['[]', '"string"', '123', 'null', 'true', '[{}]', '1e999'])), defect: 'non-object JSON' };
    case 4: {
      const n = r.int(1_000, 200_000);
      return { body: Buffer.from('['.repeat(n) + ']'.repeat(n)), defect: `array nested ${n} deep` };
    }
    default:
      return { body: Buffer.from(r.pick(["{'Name': 'x'}", '{Name: 1}', '{"Name": undefined}', '{"a":1,}', '\u00ff\u00fe{', 'NaN'])), defect: 'not JSON' };
  }
}

/** Fills a model path like `/ledgers/{name}/journal-s3-exports/{exportId}` with raw labels. */
function fillPath(op: OperationModel, labels: Record<string, string>): string {
  return op.path.replace(/\{(\w+)\}/g, (_, l: string) => labels[l]);
}


const WRITE_OPERATIONS = new Set([
  'CreateLedger',
  'UpdateLedger',
  'UpdateLedgerPermissionsMode',
  'DeleteLedger',
  'TagResource',
  'UntagResource',
  'ExportJournalToS3',
  'StreamJournalToKinesis',
  'CancelJournalKinesisStream',
]);
export const isWrite = (op: string) => WRITE_OPERATIONS.has(op) || op === 'SendCommand';

/** One malformed control-plane request for `op`. */
export function controlRequest(r: Rng, op: OperationModel, t: FuzzTarget): FuzzRequest {
  const uri = Object.entries(op.input).filter(([, m]) => m.location === 'uri');
  const query = Object.entries(op.input).filter(([, m]) => m.location === 'querystring');
  const bodySlots = slots(op.input);
  const hasBody = bodySlots.length > 0;

  const labels: Record<string, string> = {};
  for (const [name, m] of uri) labels[m.locationName!] = encodeURIComponent(String(validValue(r, m.shape, name, t)));
  const params: [string, string][] = [];
  for (const [name, m] of query) {
    if (!m.required && !r.chance(0.5)) continue;
    if (m.shape.type === 'list') params.push([m.locationName!, 'owner']);
    else if (name === 'MaxResults') params.push([m.locationName!, String(r.int(1, 100))]);
  }
  const body: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(op.input)) if (!m.location && (m.required || r.chance(0.5))) body[name] = validValue(r, m.shape, name, t);

  const kinds: string[] = [];
  if (uri.length) kinds.push('label', 'label', 'label');
  if (query.length) kinds.push('query', 'query');
  if (hasBody) kinds.push('type', 'type', 'missing', 'constraint', 'constraint', 'timestamp', 'deep', 'raw', 'raw');
  if (!uri.length && !query.length && !hasBody) kinds.push('path');
  kinds.push('path');
  // With the local directory sink (the default these tests run with) a prefix that climbs out of
  // <root>/<bucket> must be refused; with real S3 such keys would be legal.
  if (op.name === 'ExportJournalToS3') kinds.push('escape');
  let kind = r.pick(kinds);
  if (kind === 'timestamp' && !bodySlots.some((s) => s.shape.type === 'timestamp')) kind = 'type';
  if (kind === 'missing' && !bodySlots.some((s) => s.required)) kind = 'type';

  let defect = kind;
  let rawBody: Buffer | undefined;
  let path = '';
  switch (kind) {
    case 'label': {
      const [, m] = r.pick(uri);
      labels[m.locationName!] = hostileLabel(r);
      defect = `label ${m.locationName}=${labels[m.locationName!].slice(0, 60)}`;
      break;
    }
    case 'query': {
      const [name, m] = r.pick(query);
      const key = m.locationName!;
      for (let i = params.length - 1; i >= 0; i--) if (params[i][0] === key) params.splice(i, 1);
      if (name === 'MaxResults') params.push([key, r.pick(['0', '101', '-1', 'abc', '1.5', '1e2', '', '99999999999999999999', '0x10', ' 5'])]);
      else if (name === 'NextToken') params.push([key, r.pick(['AAAA', 'not-a-token', '====', '%00', 'A'.repeat(1025), 'eyJvIjoiTGlzdExlZGdlcnMifQ==', ''])]);
      else if (m.required && r.chance(0.3)) {
        /* leave the required list out */
      } else if (m.shape.type === 'list') {
        if (r.chance(0.5)) params.push([key, 'k'.repeat(r.int(129, 2000))]);
        else for (let i = 0; i < r.int(201, 260); i++) params.push([key, `k${i}`]);
      }
      defect = `query ${key}`;
      break;
    }
    case 'type': {
      const s = r.pick(bodySlots);
      setAt(body, s.keys, wrongType(r, s.shape, false));
      defect = `wrong type at ${s.keys.join('.')}`;
      break;
    }
    case 'missing': {
      const s = r.pick(bodySlots.filter((x) => x.required));
      setAt(body, s.keys, null, r.chance(0.7));
      defect = `missing ${s.keys.join('.')}`;
      break;
    }
    case 'constraint': {
      // Megabyte-sized members (IonText) are pushed over their limit only now and then, to keep the run short.
      const candidates = bodySlots.filter(
        (s) =>
          (s.shape.type === 'string' && (s.shape.max !== undefined || s.shape.pattern || s.shape.enum) && ((s.shape.max ?? 0) < 100_000 || r.chance(0.1))) ||
          s.shape.type === 'map' ||
          s.shape.type === 'integer',
      );
      if (!candidates.length) {
        const s = r.pick(bodySlots);
        setAt(body, s.keys, wrongType(r, s.shape, false));
        defect = `wrong type at ${s.keys.join('.')}`;
        break;
      }
      const s = r.pick(candidates);
      if (s.shape.type === 'string') setAt(body, s.keys, junkString(r, s.shape));
      else if (s.shape.type === 'map') {
        const m: Record<string, string> = {};
        const kindOfBreak = r.int(0, 3);
        if (kindOfBreak === 0) for (let i = 0; i < r.int(201, 400); i++) m[`k${i}`] = 'v';
        else if (kindOfBreak === 1) m['k'.repeat(r.int(129, 5000))] = 'v';
        else if (kindOfBreak === 2) m.owner = 'v'.repeat(r.int(257, 100_000));
        else m[''] = 'v';
        setAt(body, s.keys, m);
      } else setAt(body, s.keys, r.pick([-5, 0, 101, 2 ** 53, 1e21]));
      defect = `constraint at ${s.keys.join('.')}`;
      break;
    }
    case 'timestamp': {
      const s = r.pick(bodySlots.filter((x) => x.shape.type === 'timestamp'));
      setAt(body, s.keys, r.pick(['2024-01-01', 'now', '', true, {}, [], 1e300, -1e300, 253402300800, -253402300800, '1704067200', { $date: 1 }]));
      defect = `junk timestamp at ${s.keys.join('.')}`;
      break;
    }
    case 'deep': {
      const scalar = bodySlots.filter((s) => !['structure', 'map', 'list'].includes(s.shape.type));
      const s = r.pick(scalar.length ? scalar : bodySlots);
      setAt(body, s.keys, wrongType(r, s.shape, true));
      defect = `deep nesting at ${s.keys.join('.')}`;
      break;
    }
    case 'escape': {
      const s3 = (body.S3ExportConfiguration ??= validValue(r, (op.input.S3ExportConfiguration as Member).shape, 'S3ExportConfiguration', t)) as Record<string, unknown>;
      s3.EncryptionConfiguration = { ObjectEncryptionType: 'SSE_S3' };
      s3.Prefix = r.pick(['../', '../../../../tmp/escape/', '/etc/', 'a/../../', '..\\..\\', 'x/../../../y/', '/']);
      body.InclusiveStartTime = 1_600_000_000;
      body.ExclusiveEndTime = Math.floor(Date.now() / 1000) - 1;
      defect = `prefix ${String(s3.Prefix)} escapes the local sink`;
      break;
    }
    case 'raw': {
      const d = rawBodyDefect(r, JSON.stringify(body));
      rawBody = d.body;
      defect = d.defect;
      break;
    }
    case 'path': {
      path = r.pick([
        fillPath(op, labels) + '/' + hostileLabel(r),
        fillPath(op, labels).replace(/^\//, '//'),
        '/' + 'x/'.repeat(r.int(1, 5000)),
        fillPath(op, labels) + '/..',
        '/ledgers/..%2F..%2F' + r.pick(['etc/passwd', 'ledgers']),
        fillPath(op, labels).toUpperCase(),
      ]);
      defect = `path ${path.slice(0, 60)}`;
      break;
    }
  }
  if (!path) path = fillPath(op, labels);
  if (r.chance(0.1)) params.push([r.pick(['x', '%00', 'next_token%00', '']), r.pick(['', '%ZZ', 'y'.repeat(r.int(1, 3000))])]);
  const qs = params.map(([k, v]) => `${k === '' || k.includes('%') ? k : encodeURIComponent(k)}=${/%[0-9A-Z]{2}|%ZZ/.test(v) ? v : encodeURIComponent(v)}`).join('&');
  const headers: Record<string, string> = { 'content-type': r.chance(0.9) ? 'application/json' : r.pick(['text/plain', '', 'application/x-amz-json-1.0', 'application/json; charset=latin1']) };
  if (r.chance(0.05)) headers['x-amz-date'] = r.pick(['garbage', '99999999T999999Z', '']);
  if (r.chance(0.05)) headers['x-junk'] = 'j'.repeat(r.int(1, 4000));
  const bodyBuf = rawBody ?? (hasBody || r.chance(0.1) ? Buffer.from(encode(body)) : Buffer.alloc(0));
  return { op: op.name, defect, method: op.method, path: path + (qs ? `?${qs}` : ''), headers, body: bodyBuf };
}

// ---- the session API ----

/** Ion binary with n nested lists, built inside-out without recursion. */
function deepIonBinary(n: number): Buffer {
  const headers: Buffer[] = [];
  let len = 0;
  for (let i = 0; i < n; i++) {
    let h: Buffer;
    if (len < 14) h = Buffer.from([0xb0 | len]);
    else {
      const bytes: number[] = [];
      let v = len;
      bytes.unshift((v & 0x7f) | 0x80);
      v >>>= 7;
      while (v > 0) {
        bytes.unshift(v & 0x7f);
        v >>>= 7;
      }
      h = Buffer.from([0xbe, ...bytes]);
    }
    headers.push(h);
    len += h.length;
  }
  return Buffer.concat([Buffer.from([0xe0, 0x01, 0x00, 0xea]), ...headers.reverse()]);
}

const BAD_BASE64 = ['abc', '====', '@@@@', 'QQ=', 'QQ==QQ==', 'A', ' QUJD', 'QUJD\n', '4AEA6g', '4AEA6g=', '-_-_', 'QUJD%3D'];

/** Malformed Ion that ion-js reads leniently, or only after long work (see ionHash.ts, ionBinary.ts). */
const LENIENT_ION: [string, number[]][] = [
  ['a timestamp in month 13', [0x64, 0x80, 0x0f, 0xe4, 0x8d]],
  ['fractional seconds of 4.660', [0x6b, 0x80, 0x0f, 0xe4, 0x81, 0x82, 0x83, 0x84, 0x85, 0xc3, 0x12, 0x34]],
  ['a string with an overlong "/"', [0x82, 0xc0, 0xaf]],
  ['a bool of length code 2', [0x12]],
  ['a decimal whose exponent never ends', [0x51, 0x01]],
  ['a timestamp whose offset never ends', [0xd3, 0x84, 0x61, 0x01]],
  ['a symbol id past the symbol table', [0xd6, 0x7f, 0x7f, 0x7f, 0xff, 0x21, 0x01]],
  ['fractional seconds of 885,101 digits', [0x6b, 0x80, 0x0f, 0xb2, 0x8a, 0x9d, 0x94, 0x83, 0x9d, 0x76, 0x02, 0xed]],
  ['fractional seconds of 2^27 - 1 digits', [0x6c, 0x80, 0x0f, 0xb2, 0x8a, 0x9d, 0x94, 0x83, 0x9d, 0x7f, 0x7f, 0x7f, 0xff]],
];

function badIonBinary(r: Rng): { value: string; what: string; legal?: boolean } {
  switch (r.int(0, 7)) {
    case 0: {
      // Random bytes can spell valid Ion, so the noise here is NOP padding (legal, skipped)
      // followed by a value that is certainly malformed: truncated, or a reserved type code.
      const pad = Array.from({ length: r.int(0, 20) }, () => 0x00);
      const tail = r.pick([[0x21], [0x8e], [0xde, 0x85], [0x25, 0x01], [0xb3, 0x21], [0xf0], [0x13], [0xe0, 0x01]]);
      return { value: Buffer.from([0xe0, 0x01, 0x00, 0xea, ...pad, ...tail]).toString('base64'), what: 'malformed value after padding' };
    }
    case 1:
      return { value: Buffer.from([0xe0, 0x01, 0x00, 0xea, 0x8e, 0x8f]).toString('base64'), what: 'truncated string' };
    case 2:
      return { value: Buffer.from([0xe0, 0x01, 0x00, 0xea, 0xde, 0x0f, 0xff, 0xff, 0xff, 0x7f]).toString('base64'), what: 'struct with absurd length' };
    case 3:
      // Deep nesting is legal Ion (QLDB documents no depth limit), so it travels with a broken
      // neighbour below; here it only has to be decoded without exhausting the stack.
      return { value: deepIonBinary(r.int(1_000, 20_000)).toString('base64'), what: 'deeply nested lists', legal: true };
    case 4:
      return { value: Buffer.from([0xe0, 0x02, 0x00, 0xea, 0x21, 0x01]).toString('base64'), what: 'Ion 2.0 version marker' };
    case 5:
      return { value: Buffer.alloc(r.int(131_073, 200_000), 0x0f).toString('base64'), what: 'over the size limit' };
    case 6: {
      const [what, value] = r.pick(LENIENT_ION);
      return { value: Buffer.from([0xe0, 0x01, 0x00, 0xea, ...value]).toString('base64'), what };
    }
    default:
      return { value: r.pick(BAD_BASE64), what: 'bad base64' };
  }
}

function badIonText(r: Rng): string {
  return r.pick([
    '{a:',
    '[1, 2',
    '"unterminated',
    "{{ not base64 }}",
    '1 2',
    '',
    '$ion_1_0 $ion_2_0 1',
    '2024-13-45T99:99Z',
    'a::b::',
    '(((',
    '['.repeat(r.int(1_000, 50_000)) + ']'.repeat(1),
    '{' + 'a:{'.repeat(r.int(1_000, 20_000)) + '}'.repeat(3),
    '\u0000',
    '\ud800',
    'x'.repeat(1_048_577),
  ]);
}

function sessionTokenDefect(r: Rng): unknown {
  return r.pick([undefined, null, 42, true, {}, [], '', 'abc', 'A'.repeat(1025), 'not a token!', '\u0000\u0000\u0000\u0000', randomId(r, 40), 'AAAA====']);
}

/** Statements over the fuzz table, run only with a broken parameter: they must fail before doing anything. */
const STATEMENTS = [
  'SELECT * FROM fuzz_table WHERE v = ?',
  'INSERT INTO fuzz_table ?',
  'INSERT INTO fuzz_table << ?, ? >>',
  'UPDATE fuzz_table SET w = ? WHERE v = 1',
  'DELETE FROM fuzz_table WHERE v = ?',
];

const LEDGER_NAME = OPERATIONS.find((o) => o.name === 'CreateLedger')!.input.Name.shape as StringShape;

/** One malformed SendCommand request. */
export function sessionRequest(r: Rng, t: FuzzTarget): FuzzRequest {
  const token = t.sessionToken;
  const tx = t.transactionId;
  const goodParam = { IonBinary: Buffer.from([0xe0, 0x01, 0x00, 0xea, 0x21, 0x01]).toString('base64') };
  let body: Record<string, unknown>;
  let defect: string;
  switch (r.int(0, 9)) {
    case 0: {
      body = { StartSession: { LedgerName: r.chance(0.5) ? junkString(r, LEDGER_NAME) : wrongType(r, LEDGER_NAME, r.chance(0.2)) } };
      defect = 'StartSession with a bad LedgerName';
      break;
    }
    case 1: {
      body = { SessionToken: sessionTokenDefect(r), [r.pick(['StartTransaction', 'AbortTransaction', 'EndSession'])]: {} };
      defect = 'bad SessionToken';
      break;
    }
    case 2: {
      body = { SessionToken: token, [r.pick(['StartTransaction', 'AbortTransaction', 'EndSession', 'StartSession'])]: r.pick(['x', 5, [], true, [{}]]) };
      defect = 'command member of the wrong type';
      break;
    }
    case 3: {
      const cmds = r.pick([[], ['StartTransaction', 'AbortTransaction'], ['EndSession', 'StartSession'], ['ExecuteStatement', 'CommitTransaction']]);
      body = { SessionToken: token };
      for (const c of cmds) body[c] = c === 'StartSession' ? { LedgerName: t.ledger } : {};
      if (r.chance(0.3)) body.UnknownCommand = {};
      defect = `${cmds.length} commands`;
      break;
    }
    case 4: {
      const p = badIonBinary(r);
      const params: unknown[] = [goodParam, { IonBinary: p.value }];
      if (p.legal) params.push({ IonBinary: r.pick(BAD_BASE64) });
      body = { SessionToken: token, ExecuteStatement: { TransactionId: tx, Statement: r.pick(STATEMENTS), Parameters: params } };
      defect = `IonBinary: ${p.what}${p.legal ? ' + a bad-base64 neighbour' : ''}`;
      break;
    }
    case 5: {
      body = { SessionToken: token, ExecuteStatement: { TransactionId: tx, Statement: r.pick(STATEMENTS), Parameters: [{ IonText: badIonText(r) }] } };
      defect = 'bad IonText';
      break;
    }
    case 6: {
      const params = r.pick<unknown>([
        'not a list',
        {},
        [null],
        [5],
        [{}],
        [{ IonBinary: goodParam.IonBinary, IonText: '1' }],
        [{ IonBinary: 5 }],
        [{ IonBinary: '' }],
        [{ IonText: 7 }],
        { __deep: r.int(1_000, 100_000) },
      ]);
      body = { SessionToken: token, ExecuteStatement: { TransactionId: tx, Statement: 'SELECT 1 FROM fuzz_table', Parameters: params } };
      defect = 'malformed Parameters';
      break;
    }
    case 7: {
      const exec: Record<string, unknown> = { TransactionId: tx, Statement: 'SELECT * FROM fuzz_table' };
      const which = r.int(0, 3);
      if (which === 0) exec.TransactionId = r.pick([undefined, 5, 'short', 'x'.repeat(22).replace(/x/g, '!'), 'A'.repeat(23), randomId(r)]);
      else if (which === 1) exec.Statement = r.pick([undefined, 5, '', 'x'.repeat(r.int(100_001, 400_000))]);
      else if (which === 2) exec.Statement = wrongType(r, { type: 'string' }, true);
      else exec.TransactionId = wrongType(r, { type: 'string' }, false);
      if (which === 1 || which === 2) exec.TransactionId = randomId(r); // no such transaction, so nothing can run
      body = { SessionToken: token, ExecuteStatement: exec };
      defect = 'bad TransactionId or Statement';
      break;
    }
    case 8: {
      const commit: Record<string, unknown> = { TransactionId: randomId(r), CommitDigest: Buffer.alloc(32, 7).toString('base64') };
      const which = r.int(0, 2);
      if (which === 0) commit.CommitDigest = r.pick([undefined, 5, ...BAD_BASE64, { __deep: 2_000 }]);
      else if (which === 1) commit.TransactionId = r.pick([undefined, 5, '', 'A'.repeat(2000), '../../../../../../../../..']);
      // which === 2: a well-formed commit of a transaction that does not exist
      body = { SessionToken: token, CommitTransaction: commit };
      defect = 'bad CommitTransaction';
      break;
    }
    default: {
      body = { SessionToken: token, FetchPage: { TransactionId: r.chance(0.5) ? tx : randomId(r), NextPageToken: r.pick([undefined, 5, '', 'junk', 'A'.repeat(5000), '\u0000']) } };
      defect = 'bad FetchPage';
      break;
    }
  }
  let buf: Buffer = Buffer.from(encode(body));
  if (r.chance(0.08)) {
    const d = rawBodyDefect(r, buf.toString('utf8'));
    buf = d.body;
    defect += ` + ${d.defect}`;
  }
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'QLDBSession.SendCommand' };
  if (r.chance(0.05)) headers['x-amz-target'] = r.pick(['QLDBSession.Nope', 'QLDBSession.', '', 'x'.repeat(3000), 'qldbsession.sendcommand']);
  if (r.chance(0.05)) headers['content-type'] = r.pick(['application/json', 'text/plain', '']);
  return { op: 'SendCommand', defect, method: 'POST', path: '/', headers, body: buf };
}
