/**
 * `npm start` builds only when dist/ is missing or older than a source: an unchanged tree starts
 * at once, and an edited one is never served stale.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const { staleReason } = require(join(__dirname, '..', '..', '..', 'scripts', 'build-if-stale.js')) as {
  staleReason(root: string): string | undefined;
};

function tree(files: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'openqldb-stale-'));
  for (const [path, seconds] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
    utimesSync(file, seconds, seconds);
  }
  return root;
}

const sources = { 'src/cli/main.ts': 1000, 'src/server/http.ts': 1000, 'tsconfig.json': 1000, 'package.json': 1000 };

describe('npm start: build only when stale', () => {
  it('builds when dist/ is missing', () => {
    const root = tree(sources);
    try {
      assert.equal(staleReason(root), 'dist/ is missing');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('starts at once when the build is newer than every source', () => {
    const root = tree({ ...sources, 'dist/src/cli/main.js': 2000, 'dist/.tsbuildinfo': 2000 });
    try {
      assert.equal(staleReason(root), undefined);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('builds when a source deep in src/ or the build settings changed after the build', () => {
    for (const changed of ['src/server/http.ts', 'tsconfig.json', 'package.json']) {
      const root = tree({ ...sources, 'dist/src/cli/main.js': 2000, 'dist/.tsbuildinfo': 2000, [changed]: 3000 });
      try {
        assert.equal(staleReason(root), `${changed} changed after the last build`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });
});
