/**
 * The web console's page and assets at GET /console. They need no signature: the page holds no
 * data and no key, and every API call it makes is signed (under --auth strict) and checked like
 * any other client's. The files are read on the first request, not at start-up.
 */
import { join } from 'node:path';
import type * as StaticFiles from './staticFiles';
import { lazy } from '../lazy';
import type { OpsEndpoint } from './ops';

/** Where `scripts/build-console.js` writes the bundle (from dist/src/server). */
export const CONSOLE_DIR = join(__dirname, '..', '..', 'console');

const files = lazy(() => (require('./staticFiles') as typeof StaticFiles).loadStaticFiles(CONSOLE_DIR));

export function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}

export const consoleEndpoint: OpsEndpoint = async (_app, req, res) => {
  const url = req.url ?? '/console';
  const q = url.indexOf('?');
  return files().serve(url.slice('/console'.length, q < 0 ? undefined : q), res, req.headers['if-none-match']);
};
