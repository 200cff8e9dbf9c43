/**
 * The control-plane route table, built from the model's HTTP bindings. Matching works on the raw
 * (still percent-encoded) path so that a label holding an encoded `/` — a tag ARN like
 * `arn%3Aaws%3Aqldb%3A…%3Aledger%2Fname` — stays one segment.
 */
import { OPERATIONS, type OperationModel } from '../api/model';
import { serializationError } from './errors';

export interface RouteMatch {
  operation: OperationModel;
  /** uri labels, decoded, keyed by label name */
  labels: Record<string, string>;
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

/** Finds the operation for a method and raw path; undefined when no route has that shape. */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
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
  return ['GET', 'POST', 'PATCH', 'DELETE'].some((m) => matchRoute(m, rawPath) !== undefined);
}
