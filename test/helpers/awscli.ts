/** Runs Debian's awscli (/usr/bin/aws, the last version that knows QLDB) against a test server. */
import { execFile, type ExecFileException } from 'node:child_process';
import { awsEnv } from './server';

export interface CliResult {
  code: number;
  json: any;
  stdout: string;
  stderr: string;
  /** the error code awscli printed, e.g. `InvalidParameterException` */
  errorCode?: string;
}

export function aws(endpoint: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('/usr/bin/aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], { env: awsEnv(env), timeout: 60_000 }, (err, stdout, stderr) =>
      resolve(cliResult(err, stdout, stderr)),
    );
  });
}

/** What a command line printed, read as awscli's: JSON on stdout, `An error occurred (Code)` on stderr. */
export function cliResult(err: ExecFileException | null, stdout: string, stderr: string): CliResult {
  const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
  let json: any;
  try {
    json = stdout.trim() ? JSON.parse(stdout) : undefined;
  } catch {
    json = undefined;
  }
  const m = /An error occurred \((\w+)\)/.exec(stderr);
  return { code, json, stdout, stderr, errorCode: m?.[1] };
}
