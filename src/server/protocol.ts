/**
 * Wire codecs for QLDB's two protocols: restJson1 (control plane) and awsJson1_0 (the session
 * API's SendCommand). The only code that knows how requests and responses look on the wire.
 */
import type { ServerResponse } from 'node:http';
import type { OperationModel } from '../api/model';
import { ServiceError, serializationError } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a JSON request body; empty means `{}`. Anything but a JSON object is refused. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw serializationError('The request body is not valid UTF-8');
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw serializationError('The request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw serializationError('The request body must be a JSON object');
  }
  // A `\ud800` escape decodes to half a surrogate pair: no Ion or UTF-8 text can hold it, and it
  // would otherwise be mangled in storage or fail deep inside an operation.
  if (SURROGATE_ESCAPE.test(text) && !wellFormed(value)) {
    throw serializationError('The request body holds a string that is not valid Unicode (an unpaired surrogate)');
  }
  return value as Record<string, unknown>;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => !LONE_SURROGATE.test(k) && wellFormed(v));
  }
  return true;
}

interface WireMember {
  name: string;
  location: 'uri' | 'querystring' | 'body';
  /** the uri label or query key */
  wireName: string;
  list: boolean;
}

/** Where each member of an operation travels, worked out once per operation, not per request. */
const wireMembers = new WeakMap<OperationModel, { members: WireMember[]; hasBody: boolean }>();

function wireMembersOf(op: OperationModel): { members: WireMember[]; hasBody: boolean } {
  let plan = wireMembers.get(op);
  if (!plan) {
    const members = Object.entries(op.input).map(([name, m]): WireMember => ({
      name,
      location: m.location ?? 'body',
      wireName: m.locationName ?? name,
      list: m.shape.type === 'list',
    }));
    wireMembers.set(op, (plan = { members, hasBody: members.some((m) => m.location === 'body') }));
  }
  return plan;
}

/** Collects a restJson1 request's members (uri labels, query, body) under their model names. */
export function decodeRestJson(op: OperationModel, labels: Record<string, string>, query: URLSearchParams, body: Buffer) {
  const { members, hasBody } = wireMembersOf(op);
  const json = hasBody ? parseJsonBody(body) : {};
  const raw: Record<string, unknown> = {};
  for (const m of members) {
    if (m.location === 'uri') raw[m.name] = labels[m.wireName];
    else if (m.location === 'querystring') {
      if (!query.has(m.wireName)) continue;
      raw[m.name] = m.list ? query.getAll(m.wireName) : query.get(m.wireName);
    } else raw[m.name] = json[m.name];
  }
  return raw;
}

/** Output values to their wire form: Date → epoch seconds, bytes → base64, undefined dropped. */
export function toWire(value: unknown): unknown {
  // Every answer passes through here member by member: primitives first, and no [key, value]
  // pair arrays (Object.entries) allocated per member.
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toWire);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = toWire(v);
  }
  return out;
}

export type Protocol = 'restJson1' | 'awsJson1_0';

const CONTENT_TYPE: Record<Protocol, string> = {
  restJson1: 'application/json',
  awsJson1_0: 'application/x-amz-json-1.0',
};

/**
 * Bodies of the outputs handlers share between requests — a DescribeLedger of an unchanged
 * ledger, a digest at the same tip — encoded once. Such an output is frozen, and nothing in it
 * ever changes: its handler makes a new one when the answer changes.
 */
const sharedBodies = new WeakMap<object, { body: string; length: number }>();

function encode(output: unknown): { body: string; length: number } {
  const body = JSON.stringify(toWire(output));
  return { body, length: Buffer.byteLength(body) };
}

function encodeShared(output: object): { body: string; length: number } {
  let encoded = sharedBodies.get(output);
  if (!encoded) sharedBodies.set(output, (encoded = encode(output)));
  return encoded;
}

export function sendResult(res: ServerResponse, protocol: Protocol, requestId: string, output: unknown): void {
  // restJson1 operations with an empty output (DeleteLedger, TagResource, UntagResource) answer
  // with an empty body, as AWS does; every client accepts that.
  const { body, length } =
    output === undefined
      ? { body: '', length: 0 }
      : typeof output === 'object' && output !== null && Object.isFrozen(output)
        ? encodeShared(output)
        : encode(output);
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPE[protocol],
    'Content-Length': length,
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

/**
 * Errors always carry `x-amzn-ErrorType`: the JS SDK takes the error name from that header first
 * and would otherwise mistake a body `Code` member for the error type (clients.md).
 */
export function sendError(res: ServerResponse, protocol: Protocol, requestId: string, err: ServiceError): void {
  const payload: Record<string, unknown> = { Message: err.message, ...err.fields };
  if (protocol === 'awsJson1_0') payload.__type = `com.amazonaws.qldbsession#${err.type}`;
  const body = JSON.stringify(payload);
  if (res.headersSent) return;
  res.writeHead(err.status, {
    'Content-Type': CONTENT_TYPE[protocol],
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': err.type,
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}
