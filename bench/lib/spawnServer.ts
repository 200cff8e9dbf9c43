/**
 * Starts a server as a child process the way users do (`node <script> …`) and resolves once it
 * prints the URL it answers at — openqldb's "serving both QLDB APIs at …" or the bare server's
 * line. Also reads the child's CPU time, which a busy shared machine disturbs far less than a
 * request rate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Spawned {
  url: string;
  child: ChildProcess;
  /** user + system CPU seconds so far (Linux /proc), or undefined elsewhere */
  cpuSeconds(): number | undefined;
  /** SIGTERM (a CPU profile is written then) and wait for the exit */
  stop(): Promise<void>;
}

const SERVING = /(?:serving both QLDB APIs|bare server) at (https?:\/\/\S+)/;

export function spawnServer(args: string[], nodeArgs: string[] = []): Promise<Spawned> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let out = '';
    let found = false;
    const onData = (chunk: Buffer) => {
      if (found) return;
      out += chunk.toString('utf8');
      const m = SERVING.exec(out);
      if (!m) return;
      found = true;
      resolve({
        url: m[1],
        child,
        cpuSeconds: () => cpuSeconds(child.pid!),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    // keep draining: a child blocked on a full pipe would stall the measurement
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      if (!found) reject(new Error(`${args.join(' ')} exited with ${code} before serving:\n${out}`));
    });
  });
}

function cpuSeconds(pid: number): number | undefined {
  try {
    // fields after the parenthesised command name; utime and stime are the 12th and 13th
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
