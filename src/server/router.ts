/**
 * The control-plane route table, built from the model's HTTP bindings. Matching works on the raw
 * (still percent-encoded) path so that a label holding an encoded `/` — a tag ARN like
 * `arn%3Aaws%3Aqldb%3A…%3Aledger%2Fname` — stays one segment.
 */
import { OPERATIONS, type OperationModel } from '../api/model';
import { serializationError } from './errors';

export interface RouteMatch {
  readonly operation: OperationModel;
  /** uri labels, decoded, keyed by label name */
  readonly labels: Readonly<Record<string, string>>;
}

interface Route {
  operation: OperationModel;
  segments: { literal?: string; label?: string }[];
}

const routes: Route[] = OPERATIONS.map((operation) => ({
  operation,
  segments: operation.path
    .split('/')
    .slice(1)
    .map((s) => (s.startsWith('{') ? { label: s.slice(1, -1) } : { literal: s })),
}));

/** Routes by method and segment count, in table order: a request compares against a few, not all. */
const byShape = new Map<string, Route[]>();
for (const route of routes) {
  const key = `${route.operation.method} ${route.segments.length}`;
  byShape.set(key, [...(byShape.get(key) ?? []), route]);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw serializationError('The request path is not valid percent-encoded UTF-8');
  }
}

/** Matches found, by method and raw path: clients repeat the same few paths. */
const matches = new Map<string, RouteMatch>();
const MAX_MATCHES = 1024;
/** Longer paths (tag ARNs) are matched every time rather than held. */
const MAX_KEPT_PATH = 512;

/**
 * Finds the operation for a method and raw path; undefined when no route has that shape. A match
 * is shared by every request for the same path, so it and its labels are frozen.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  const key = rawPath.length <= MAX_KEPT_PATH ? `${method} ${rawPath}` : undefined;
  const kept = key === undefined ? undefined : matches.get(key);
  if (kept) return kept;
  const match = findRoute(method, rawPath);
  if (match && key !== undefined) {
    if (matches.size >= MAX_MATCHES) matches.clear();
    Object.freeze(match.labels);
    matches.set(key, Object.freeze(match));
  }
  return match;
}

function findRoute(method: string, rawPath: string): RouteMatch | undefined {
  const parts = rawPath.split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // tolerate a trailing slash
  for (const route of byShape.get(`${method} ${parts.length}`) ?? []) {
    const labels: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = route.segments[i];
      if (seg.literal !== undefined) ok = seg.literal === parts[i];
      else if (parts[i] === '') ok = false;
      else labels[seg.label!] = parts[i];
    }
    if (!ok) continue;
    for (const k of Object.keys(labels)) labels[k] = decode(labels[k]);
    return { operation: route.operation, labels };
  }
  return undefined;
}

/** Whether any route exists for this path under another method (for a clearer error). */
export function pathKnown(rawPath: string): boolean {
  return ['GET', 'POST', 'PATCH', 'DELETE'].some((m) => findRoute(m, rawPath) !== undefined);
}
