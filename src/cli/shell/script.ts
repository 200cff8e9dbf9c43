/**
 * Non-interactive runs: statements from a file or a pipe, one result per statement. The first
 * failure stops the run (exit code 1) unless `--continue-on-error`, which goes on and still
 * exits 1. A transaction still open at the end is aborted and counts as a failure: the script
 * meant to commit it, or it would not have begun one.
 */
import { InputReader, type Input } from './input';
import type { Interpreter } from './interpreter';

export async function runScript(interp: Interpreter, lines: AsyncIterable<string>, continueOnError: boolean): Promise<number> {
  const reader = new InputReader();
  let failed = false;
  let stoppedAt: number | undefined;
  /** Runs inputs in order; false when the script must stop here. */
  const runAll = async (inputs: Input[]): Promise<boolean> => {
    for (const input of inputs) {
      const outcome = await interp.run(input);
      if (outcome === 'quit') return false;
      if (outcome === 'failed') {
        failed = true;
        if (!continueOnError) {
          stoppedAt = input.line;
          return false;
        }
      }
    }
    return true;
  };
  let goOn = true;
  for await (const line of lines) if (!(goOn = await runAll(reader.feed(line)))) break;
  if (goOn) {
    const last = reader.finish();
    if (last) goOn = await runAll([last]);
  }
  if (goOn && interp.transactionId) failed = true;
  await interp.close(stoppedAt !== undefined ? `the script stopped at line ${stoppedAt}` : goOn ? 'the script ended without COMMIT' : 'leaving');
  return failed ? 1 : 0;
}
