/**
 * Load from `wrk`, a C load generator: a Node client in the benchmark's process saturates before
 * either server does and makes every ratio come out near 1. wrk runs with one thread (one core of
 * two goes to it, the other to the server) over keep-alive connections, bounded in time and
 * aimed only at loopback.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Finds wrk, installing Debian's package when missing and running as root; else explains how. */
export function ensureWrk(): string {
  const found = () => spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
  if (found()) return found();
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    console.log('wrk is missing: apt-get install -y wrk');
    execFileSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
    if (found()) return found();
  }
  throw new Error('bench:control needs wrk (a C HTTP load generator): `sudo apt-get install -y wrk` on Debian/Ubuntu, `brew install wrk` on macOS');
}

export interface Target {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface WrkResult {
  rate: number;
  requests: number;
  /** non-2xx answers, socket errors and timeouts */
  errors: number;
}

/**
 * wrk only sends GETs without a script; a POST (GetDigest) takes a two-line Lua script, written
 * once per target into a temporary directory.
 */
function scriptFor(target: Target, dir: string): string | undefined {
  if (target.method === 'GET' && !target.body && !target.headers) return undefined;
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.lua`);
  const lines = [`wrk.method = ${JSON.stringify(target.method)}`, `wrk.body = ${JSON.stringify(target.body ?? '')}`];
  for (const [k, v] of Object.entries(target.headers ?? {})) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export function createWrk(opts: { connections: number; seconds: number }) {
  const wrk = ensureWrk();
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-wrk-'));
  const scripts = new Map<Target, string | undefined>();
  return {
    run(target: Target, seconds = opts.seconds): WrkResult {
      const url = new URL(target.url);
      if (url.hostname !== '127.0.0.1') throw new Error('load only targets 127.0.0.1');
      if (!scripts.has(target)) scripts.set(target, scriptFor(target, dir));
      const script = scripts.get(target);
      const args = ['-t1', `-c${opts.connections}`, `-d${seconds}s`, '--timeout', '5s', ...(script ? ['-s', script] : []), target.url];
      const r = spawnSync(wrk, args, { encoding: 'utf8', timeout: (seconds + 20) * 1000 });
      if (r.status !== 0) throw new Error(`wrk ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
      return parse(r.stdout);
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function parse(out: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const requests = /(\d+) requests in/.exec(out);
  if (!rate || !requests) throw new Error(`unexpected wrk output:\n${out}`);
  let errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (socket) errors += socket.slice(1).reduce((a, b) => a + Number(b), 0);
  return { rate: Number(rate[1]), requests: Number(requests[1]), errors };
}
