/**
 * A built directory of static files served from memory: the console's bundle is a few files,
 * read once. Only names present in the directory are served, so no path can step outside it;
 * content-hashed names (`app-<hash>.js`) never change and are cached for a year, while
 * index.html, which names them, is revalidated on every load.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** A name the bundler gave a content hash to: its bytes never change under that name. */
const HASHED = /-[0-9A-Z]{8,}\.[a-z]+$/;

/**
 * The page may load only its own scripts and styles and talk only to its own origin: a bundle
 * that tried to reach anything else would be refused by the browser. WebAssembly (the journal's
 * SHA-256) needs 'wasm-unsafe-eval', which allows no JavaScript eval.
 */
const CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface StaticFile {
  body: Buffer;
  headers: Record<string, string | number>;
}

export interface StaticFiles {
  /**
   * Answers `name` ('' and '/' mean index.html), or 304 when `ifNoneMatch` names its ETag;
   * returns the status sent.
   */
  serve(name: string, res: ServerResponse, ifNoneMatch?: string): number;
}

function headersFor(name: string, body: Buffer): Record<string, string | number> {
  const common = { 'Content-Type': TYPES[extname(name)] ?? 'application/octet-stream', 'Content-Length': body.length, 'X-Content-Type-Options': 'nosniff' };
  if (name === 'index.html') {
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    return { ...common, 'Cache-Control': 'no-cache', ETag: etag, 'Content-Security-Policy': CSP, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' };
  }
  return { ...common, 'Cache-Control': HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache' };
}

function text(res: ServerResponse, status: number, message: string): number {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(message), 'Cache-Control': 'no-store' });
  res.end(message);
  return status;
}

export function loadStaticFiles(dir: string): StaticFiles {
  const files = new Map<string, StaticFile>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // not built: answered below, the server itself is fine
  }
  for (const name of names) {
    if (name.startsWith('.')) continue; // the build's own notes
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const body = readFileSync(path);
    files.set(name, { body, headers: headersFor(name, body) });
  }
  return {
    serve(name, res, ifNoneMatch) {
      const key = name === '' || name === '/' ? 'index.html' : name.startsWith('/') ? name.slice(1) : undefined;
      const file = key === undefined ? undefined : files.get(key);
      if (!file) {
        if (!files.has('index.html')) return text(res, 503, 'The console is not built: run npm run build.\n');
        return text(res, 404, 'Not found\n');
      }
      const etag = file.headers.ETag;
      if (etag !== undefined && ifNoneMatch === etag) {
        res.writeHead(304, { ETag: etag, 'Cache-Control': 'no-cache' });
        res.end();
        return 304;
      }
      res.writeHead(200, file.headers);
      res.end(file.body);
      return 200;
    },
  };
}
