/**
 * The README's `openqldb shell` session is what a terminal shows: its inputs are typed into the
 * shell on a pseudo-terminal, against a live server, and the screen must read as the README
 * does, but for ids and timings.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../../helpers/server';
import { createLedger } from '../../clients/sessionHelpers';
import { shellEnv, TerminalShell } from './helpers';

const README = join(__dirname, '..', '..', '..', '..', 'README.md');
const README_ENDPOINT = 'http://127.0.0.1:8000';
/** a prompt, then what was typed after it */
const PROMPT_LINE = /^(\S+(?: \*)?>|\s+->)(?: (.*))?$/;
const PROMPTS = /^(\S+(?: \*)?>|\s+->)/m;

/** The first console block under "### `openqldb shell`": its command and the screen after it. */
function readmeSession(): { args: string[]; screen: string[] } {
  const md = readFileSync(README, 'utf8');
  const section = md.slice(md.indexOf('### `openqldb shell`'));
  const block = /```console\n([\s\S]*?)```/.exec(section)![1].trimEnd().split('\n');
  const [command, ...screen] = block;
  assert.match(command, /^\$ npx openqldb shell /);
  return { args: command.split(' ').slice(4), screen };
}

/** Ids and timings differ from run to run; nothing else may. */
const masked = (text: string) =>
  text
    .replace(/\b[0-9A-Za-z]{22}\b/g, '<id>')
    .replace(/server time: \d+ ms/g, 'server time: N ms')
    .replace(/total time: \d+ ms/g, 'total time: N ms');

let server: TestServer;
let term: TerminalShell | undefined;
before(async () => {
  server = await startServer(['--log-requests', 'false']);
});
after(async () => {
  term?.kill();
  await server?.dispose();
});

it('the README walks through a session exactly as the terminal shows it', async () => {
  const { args, screen } = readmeSession();
  const ledger = args[args.indexOf('--ledger') + 1];
  await createLedger(server.endpoint, ledger);
  term = await TerminalShell.start([...args, '--endpoint', server.endpoint], shellEnv({ OPENQLDB_SHELL_HISTORY: '' }));
  const inputs = screen.map((l) => PROMPT_LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  for (const [i, m] of inputs.entries()) {
    const typed = m[2] ?? '';
    if (typed === '' && i === inputs.length - 1) {
      term.press('C-d');
      await term.waitFor(/\[shell exited 0\]/);
    } else await term.enter(typed, PROMPTS);
  }
  const shown = term.screen().replace(/\n\[shell exited 0\]$/, '').split(server.endpoint).join(README_ENDPOINT);
  assert.equal(masked(shown), masked(screen.join('\n')));
});
