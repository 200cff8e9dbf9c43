#!/usr/bin/env node
// Builds the web console (src/console/web) into dist/console: type-checks it with its own
// tsconfig (browser + DOM), bundles it with esbuild into content-hashed files, and writes the
// index.html that names them. `--if-stale` builds only when an input the last bundle read
// (listed in dist/console/.inputs.json) or package.json is newer than that bundle.
'use strict';
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { basename, join, relative } = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = join(__dirname, '..');
const WEB = join(ROOT, 'src', 'console', 'web');
const OUT = join(ROOT, 'dist', 'console');
const INPUTS = join(OUT, '.inputs.json');

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs;

/** Why the console must be built again, or undefined when dist/console is up to date. */
function consoleStaleReason(root = ROOT) {
  const out = join(root, 'dist', 'console');
  const built = mtime(join(out, 'index.html'));
  if (built === undefined || !existsSync(join(out, '.inputs.json'))) return 'dist/console is missing';
  const inputs = JSON.parse(readFileSync(join(out, '.inputs.json'), 'utf8'));
  // a new file in the console's folder is an input the last bundle could not list
  const listed = new Set(inputs);
  const webFiles = [];
  const visit = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, name.name);
      if (name.isDirectory()) visit(p);
      else webFiles.push(relative(root, p));
    }
  };
  visit(join(root, 'src', 'console', 'web'));
  for (const input of [...inputs, ...webFiles.filter((f) => !listed.has(f)), 'package.json']) {
    const t = mtime(join(root, input));
    if (t === undefined || t > built) return `${input} changed after the last console build`;
  }
  return undefined;
}

/** Node built-ins the journal core imports, answered by the browser's own equivalents. */
const nodeShims = {
  name: 'node-shims',
  setup(build) {
    build.onResolve({ filter: /^node:(crypto|fs)$/ }, (args) => ({ path: join(WEB, 'shims', `${args.path.slice(5)}.ts`) }));
  },
};

async function build() {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const checked = spawnSync(process.execPath, [tsc, '-p', join(WEB, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  if (checked.status !== 0) process.exit(checked.status ?? 1);

  const esbuild = require('esbuild');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: join(WEB, 'main.tsx') },
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    outdir: OUT,
    entryNames: '[name]-[hash]',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    inject: [join(WEB, 'shims', 'buffer.ts')],
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    plugins: [nodeShims],
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((n) => n.endsWith('.js'));
  const css = outputs.find((n) => n.endsWith('.css'));
  const html = readFileSync(join(WEB, 'index.html'), 'utf8')
    .replace('%APP_JS%', `/console/${js}`)
    .replace('%APP_CSS%', css ? `<link rel="stylesheet" href="/console/${css}">` : '');
  writeFileSync(join(OUT, 'index.html'), html);
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/') && !p.includes(':'));
  writeFileSync(INPUTS, JSON.stringify([...inputs, relative(ROOT, join(WEB, 'index.html')), relative(ROOT, join(WEB, 'tsconfig.json'))]));
  const sizes = outputs.map((n) => `${n} ${(statSync(join(OUT, n)).size / 1024).toFixed(0)} KiB`).join(', ');
  process.stderr.write(`openqldb: console built into dist/console (${sizes})\n`);
}

module.exports = { consoleStaleReason };

if (require.main === module) {
  const reason = process.argv.includes('--if-stale') ? consoleStaleReason() : 'asked';
  if (reason !== undefined) {
    build().catch((e) => {
      process.stderr.write(`${e.stack ?? e}\n`);
      process.exit(1);
    });
  }
}
