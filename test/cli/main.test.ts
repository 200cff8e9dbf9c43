/**
 * The `openqldb` command itself, run as users run it: `--version` / `version`, and `help`
 * printing each default as it would be written on the command line and in the README's table.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, formatDuration, parseDuration } from '../../src/config';

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

function openqldb(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('openqldb command line', () => {
  it('prints the version of package.json with --version and version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.match(version, /^\d+\.\d+\.\d+/);
    for (const arg of ['--version', 'version']) {
      const r = await openqldb([arg]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `openqldb ${version}\n`);
    }
    const help = await openqldb(['help']);
    assert.match(help.stdout, /\n {2}version {3}print the version \(also --version\)\n/);
  });

  it('formats durations as they are written, and they parse back', () => {
    const cases: [number, string][] = [[500, '500ms'], [30_000, '30s'], [15 * 60_000, '15m'], [7 * 86_400_000, '7d'], [3_600_000, '1h'], [1500, '1500ms'], [90_000, '90s'], [0, '0ms']];
    for (const [ms, text] of cases) {
      assert.equal(formatDuration(ms), text);
      assert.equal(parseDuration(text), ms);
    }
  });

  it('help prints duration defaults as written (30s, 7d, 15m, 500ms), the same as the README table', async () => {
    const r = await openqldb(['help']);
    assert.equal(r.code, 0, r.stderr);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const durations = SETTINGS.filter((s) => s.kind === 'duration');
    assert.ok(durations.length >= 4);
    for (const s of durations) {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`  ${s.flag} `));
      assert.ok(line, `help lists ${s.flag}`);
      const shown = /\(default ([^)]+)\) \[/.exec(line)![1];
      assert.match(shown, /^\d+(ms|s|m|h|d)$/, `${s.flag}: ${line}`);
      assert.equal(parseDuration(shown), s.default, s.flag);
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${s.flag}\` |`));
      assert.ok(row, `README documents ${s.flag}`);
      assert.equal(row.split('|')[3].trim(), `\`${shown}\``, `README's default for ${s.flag}`);
    }
    for (const [flag, shown] of [['--transaction-timeout', '30s'], ['--export-retention', '7d'], ['--session-timeout', '15m'], ['--ledger-state-delay', '500ms']]) {
      assert.match(r.stdout, new RegExp(`\\n  ${flag} <value> .*\\(default ${shown}\\) \\[`));
    }
  });
});
