/**
 * Every JavaScript snippet of the README runs as pasted: each ```js block names its file on its
 * first line (`// create-ledger.mjs`), is written to that file where the project's node_modules
 * resolve, and run with node, in README order, against a live server. The only change made to a
 * snippet is the endpoint: the server listens on a free port instead of 8000.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from './helpers/server';

const ROOT = join(__dirname, '..', '..');
const README_ENDPOINT = 'http://127.0.0.1:8000';

interface Snippet {
  file: string;
  code: string;
  line: number;
}

function snippets(markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```js') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    const indent = /^\s*/.exec(lines[i])![0].length;
    const code = lines.slice(start, end).map((l) => l.slice(indent)).join('\n') + '\n';
    const named = /^\/\/ ([\w.-]+\.(?:mjs|cjs|js))\s*$/.exec(code.split('\n')[0]);
    assert.ok(named, `README.md line ${start}: a JavaScript snippet must name its file on its first line (// my-app.mjs), got ${JSON.stringify(code.split('\n')[0])}`);
    out.push({ file: named[1], code, line: start });
    i = end;
  }
  return out;
}

function node(file: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('README JavaScript snippets', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    // the default CREATING delay, as a reader's server has it: a snippet must wait for ACTIVE itself
    server = await startServer(['--ledger-state-delay', '500ms', '--log-requests', 'false']);
    // under the project, so that the snippets' imports resolve to its node_modules
    dir = mkdtempSync(join(ROOT, 'dist', 'readme-snippets-'));
  });
  after(async () => {
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each runs as pasted into the file it names, in README order', async () => {
    const all = snippets(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    assert.ok(all.length >= 2, 'the README shows the SDK and the driver');
    assert.equal(new Set(all.map((s) => s.file)).size, all.length, 'each snippet has a file of its own');
    for (const s of all) {
      assert.ok(s.code.includes(README_ENDPOINT), `${s.file} (README.md line ${s.line}) talks to ${README_ENDPOINT}`);
      writeFileSync(join(dir, s.file), s.code.split(README_ENDPOINT).join(server.endpoint));
      const r = await node(s.file, dir);
      assert.equal(r.code, 0, `${s.file} (README.md line ${s.line}) exited ${r.code}:\n${r.stdout}${r.stderr}\nserver:\n${server.output()}`);
    }
  });
});
