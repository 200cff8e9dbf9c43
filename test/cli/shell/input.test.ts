/**
 * How the shell cuts what it reads into statements and commands: a `;` ends a statement only
 * outside literals and comments, PartiQL's and Ion's alike.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputReader, type Input } from '../../../src/cli/shell/input';

function read(...lines: string[]): { inputs: Input[]; reader: InputReader } {
  const reader = new InputReader();
  return { inputs: lines.flatMap((l) => reader.feed(l)), reader };
}
const statements = (...lines: string[]) => read(...lines).inputs.map((i) => (i.kind === 'statement' ? i.text : `\\${i.name} ${i.arg}`.trimEnd()));

describe('statements end at a ; outside literals and comments', () => {
  it('one line, several lines, several statements on one line', () => {
    assert.deepEqual(statements('SELECT * FROM T;'), ['SELECT * FROM T']);
    assert.deepEqual(statements('SELECT *', '  FROM T', 'WHERE a = 1;'), ['SELECT *\n  FROM T\nWHERE a = 1']);
    assert.deepEqual(statements('INSERT INTO T {a: 1}; SELECT * FROM T;  ;'), ['INSERT INTO T {a: 1}', 'SELECT * FROM T']);
  });

  it('a ; inside a string, a quoted identifier or an Ion literal does not end the statement', () => {
    assert.deepEqual(statements("SELECT * FROM T WHERE s = 'a;b' AND t = 'it''s;';"), ["SELECT * FROM T WHERE s = 'a;b' AND t = 'it''s;'"]);
    assert.deepEqual(statements('SELECT "odd;name" FROM T;'), ['SELECT "odd;name" FROM T']);
    assert.deepEqual(statements('INSERT INTO T `{s: "x;`y", \'sym;\': 1, l: \'\'\'long;`\'\'\', c: {{"clob;"}}}`;'), [
      'INSERT INTO T `{s: "x;`y", \'sym;\': 1, l: \'\'\'long;`\'\'\', c: {{"clob;"}}}`',
    ]);
    assert.deepEqual(statements('INSERT INTO T `{s: "esc\\";"}`;'), ['INSERT INTO T `{s: "esc\\";"}`']);
  });

  it('a string may span lines, and its ; still does not count', () => {
    const { inputs, reader } = read("INSERT INTO T {'s': 'one;", "two'};");
    assert.deepEqual(inputs, [{ kind: 'statement', text: "INSERT INTO T {'s': 'one;\ntwo'}", line: 1 }]);
    assert.equal(reader.joinable(), false, 'joining those lines with a space would change the string');
  });

  it('comments are skipped before a statement and their ; never ends one', () => {
    assert.deepEqual(statements('-- first; a comment', '/* block; */ SELECT 1 -- trailing;', 'FROM T;'), ['SELECT 1 -- trailing;\nFROM T']);
    assert.deepEqual(statements('INSERT INTO T `{a: 1 /* ; */, b: 2 // ;', '}`;'), ['INSERT INTO T `{a: 1 /* ; */, b: 2 // ;\n}`']);
  });

  it('text without its ; waits for more, and the end of a script runs it anyway', () => {
    const { inputs, reader } = read('SELECT * FROM T');
    assert.deepEqual(inputs, []);
    assert.equal(reader.pending(), true);
    assert.deepEqual(reader.finish(), { kind: 'statement', text: 'SELECT * FROM T', line: 1 });
    assert.equal(read('-- only a comment').reader.finish(), undefined);
  });

  it('lines are counted from 1, comment and command lines included', () => {
    const { inputs } = read('\\format json', '', '-- note', 'SELECT 1', 'FROM T; SELECT 2 FROM T;');
    assert.deepEqual(
      inputs.map((i) => i.line),
      [1, 4, 5],
    );
  });
});

describe('transaction words and backslash commands', () => {
  it('BEGIN, COMMIT and ABORT work as statements or alone on a line without ;', () => {
    assert.deepEqual(statements('BEGIN', 'INSERT INTO T {a: 1};', 'commit;'), ['\\begin', 'INSERT INTO T {a: 1}', '\\commit']);
    assert.deepEqual(statements('START TRANSACTION; INSERT INTO T {a: 1}; ABORT;'), ['\\begin', 'INSERT INTO T {a: 1}', '\\abort']);
  });

  it('a backslash command takes the whole line and needs no ;', () => {
    assert.deepEqual(read('\\format table').inputs, [{ kind: 'command', name: 'format', arg: 'table', line: 1 }]);
    assert.deepEqual(statements('\\Begin', '\\help'), ['\\begin', '\\help']);
  });

  it('inside an unfinished statement, a backslash line is statement text', () => {
    assert.deepEqual(statements('SELECT *', '\\format json', ';'), ['SELECT *\n\\format json']);
  });

  it('cancelling forgets the unfinished statement', () => {
    const reader = new InputReader();
    reader.feed("SELECT 'unterminated");
    reader.cancel();
    assert.equal(reader.pending(), false);
    assert.deepEqual(reader.feed('SELECT 1 FROM T;'), [{ kind: 'statement', text: 'SELECT 1 FROM T', line: 2 }]);
  });
});
