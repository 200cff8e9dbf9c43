/**
 * `npm start` and `npm test` rebuild the console only when an input of its last bundle, a new
 * file in its folder or package.json is newer than that bundle.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const { consoleStaleReason } = require(join(__dirname, '..', '..', '..', 'scripts', 'build-console.js')) as {
  consoleStaleReason(root: string): string | undefined;
};

const INPUTS = ['src/console/web/main.tsx', 'src/journal/hash.ts'];

function tree(files: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'openqldb-console-stale-'));
  for (const [path, seconds] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, path.endsWith('.inputs.json') ? JSON.stringify(INPUTS) : '');
    utimesSync(file, seconds, seconds);
  }
  return root;
}

const built = { 'src/console/web/main.tsx': 1000, 'src/journal/hash.ts': 1000, 'package.json': 1000, 'dist/console/index.html': 2000, 'dist/console/.inputs.json': 2000 };

function check(files: Record<string, number>, expected: string | undefined): void {
  const root = tree(files);
  try {
    assert.equal(consoleStaleReason(root), expected);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('console build: only when stale', () => {
  it('builds when dist/console is missing', () => {
    const { 'dist/console/index.html': _page, ...rest } = built;
    check(rest, 'dist/console is missing');
  });

  it('skips the build when the bundle is newer than all it read', () => check(built, undefined));

  it('builds when an input outside the console folder, a new console file or package.json changed', () => {
    check({ ...built, 'src/journal/hash.ts': 3000 }, 'src/journal/hash.ts changed after the last console build');
    check({ ...built, 'src/console/web/pages/New.tsx': 3000 }, 'src/console/web/pages/New.tsx changed after the last console build');
    check({ ...built, 'package.json': 3000 }, 'package.json changed after the last console build');
  });

  it('ignores a change to a source the console does not read', () => check({ ...built, 'src/storage/sqlite/db.ts': 3000 }, undefined));
});
