/**
 * Running `openqldb shell` as its users do: as a child process with a script or a pipe, and on a
 * real pseudo-terminal inside tmux (line editing, history and Ctrl-C only exist on a terminal).
 */
import { execFile, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCredentials } from '../../helpers/server';

export const MAIN = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

/**
 * The machine's environment without any AWS or openqldb setting, plus the test key: nothing on
 * this machine (profiles, instance metadata, a developer's keys) can leak into a run.
 */
export function shellEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|OPENQLDB_|TMUX)/.test(k) && k !== 'NODE_TEST_CONTEXT') env[k] = v;
  return {
    ...env,
    AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `openqldb shell <args>` with `stdin` piped in (so never a terminal), to its exit. */
export function shell(args: string[], stdin = '', env: NodeJS.ProcessEnv = shellEnv()): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, 'shell', ...args], { env, maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let sockets = 0;

/**
 * The shell on a 160×50 pseudo-terminal of its own tmux server. The pane outlives the shell
 * (a `[shell exited N]` line follows it), so what it printed last and its exit code stay readable.
 */
export class TerminalShell {
  private constructor(private readonly socket: string) {}

  static async start(args: string[], env: NodeJS.ProcessEnv): Promise<TerminalShell> {
    // a socket of our own, since tmux leaves its socket file behind when its server ends
    const socket = join(tmpdir(), `openqldb-shell-test-${process.pid}-${++sockets}.tmux`);
    const command = `${[process.execPath, MAIN, 'shell', ...args].map(quote).join(' ')}; echo "[shell exited $?]"; sleep 600`;
    // the tmux server is started here, so the shell gets exactly this environment
    const r = spawnSync('tmux', ['-S', socket, 'new-session', '-d', '-s', 'main', '-x', '160', '-y', '50', command], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
    const t = new TerminalShell(socket);
    try {
      const screen = await t.waitFor(/\\help for help|\[shell exited \d+\]/);
      if (/\[shell exited \d+\]/.test(screen)) throw new Error(`the shell did not start:\n${screen}`);
      return t;
    } catch (e) {
      t.kill();
      throw e;
    }
  }

  private tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Types text as is (no Enter). */
  type(text: string): void {
    // tmux reads a trailing ';' of an argument as its own command separator
    this.tmux('send-keys', '-t', 'main', '-l', text.endsWith(';') ? text.slice(0, -1) + '\\;' : text);
  }

  /** Presses keys by tmux's names: Enter, Up, C-c, C-d. */
  press(...keys: string[]): void {
    for (const k of keys) this.tmux('send-keys', '-t', 'main', k);
  }

  /** Everything the terminal has shown, scrollback included, wrapped lines joined, without trailing blanks. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'main')
      .replace(/[ \t]+$/gm, '')
      .replace(/\s+$/, '');
  }

  /** The line the cursor is on: the prompt and what is typed after it. */
  currentLine(): string {
    const lines = this.screen().split('\n');
    return lines[lines.length - 1];
  }

  /** Waits until the screen matches `pattern` at least `times` times; returns the screen. */
  async waitFor(pattern: RegExp, times = 1, timeoutMs = 15_000): Promise<string> {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if ((screen.match(global) ?? []).length >= times) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern} ${times} time(s):\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Types `line`, presses Enter and waits for `expect` to appear once more than it did before
   * (the screen keeps earlier answers); returns the screen.
   */
  async enter(line: string, expect: RegExp): Promise<string> {
    const global = new RegExp(expect.source, expect.flags + 'g');
    const before = (this.screen().match(global) ?? []).length;
    this.type(line);
    this.press('Enter');
    return this.waitFor(expect, before + 1);
  }

  /** What the screen shows below the last line that ends with `marker` (the answer to that input). */
  after(marker: string): string {
    const screen = this.screen();
    return screen.slice(screen.lastIndexOf(marker + '\n') + marker.length + 1);
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server']);
    rmSync(this.socket, { force: true });
  }
}
