/** Lexing and parsing: the dialect's literal forms, case rules, comments, and error positions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatementError } from '../../src/partiql';
import { parse } from '../../src/partiql';
import { parseStatement } from '../../src/partiql/parser';
import { tokenize } from '../../src/partiql/lexer';
import { ionText, run } from './fixtures';
import { MemoryLedger } from './memoryView';

const value = (expr: string) => {
  const rows = run(new MemoryLedger(), `SELECT VALUE ${expr} FROM <<0>>`);
  return rows.length ? ionText(rows[0]) : 'MISSING';
};

function parseError(statement: string): string {
  try {
    parseStatement(statement);
  } catch (e) {
    assert.ok(e instanceof StatementError, `expected a StatementError, got ${e}`);
    return e.message;
  }
  return assert.fail(`${statement} parsed`);
}

describe('lexer', () => {
  it('tracks line and column across newlines, strings and comments', () => {
    const tokens = tokenize("SELECT -- note\n  a, /* x\ny */ 'it''s'\n  ?");
    const at = tokens.map((t) => `${t.kind}:${t.text}@${t.pos.line}:${t.pos.column}`);
    assert.deepEqual(at, ['word:SELECT@1:1', 'word:a@2:3', 'punct:,@2:4', "string:it's@3:6", 'param:?@4:3', 'eof:@4:4']);
  });

  it('keeps backticks inside Ion strings within the literal', () => {
    const [token] = tokenize('`{a: "x`y"}`');
    assert.equal(token.kind, 'ion');
    assert.equal(token.text, '{a: "x`y"}');
  });
});

describe('literals', () => {
  it('reads strings, numbers and keyword literals', () => {
    assert.equal(value("'it''s'"), '"it\'s"');
    assert.equal(value('42'), '42');
    assert.equal(value('1.50'), '1.50');
    assert.equal(value('1.5e2'), '1.5e2');
    assert.equal(value('-7'), '-7');
    assert.equal(value('TRUE'), 'true');
    assert.equal(value('null'), 'null');
    assert.equal(value('MISSING'), 'MISSING');
  });

  it('reads Ion literals of every kind in backticks', () => {
    assert.equal(value('`2024-01-01T00:00:00.000Z`'), '2024-01-01T00:00:00.000Z');
    assert.equal(value('`{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:17}`'), '{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:17}');
    assert.equal(value('`a::(x 1)`'), 'a::(x 1)');
    assert.equal(value('`{{aGVsbG8=}}`'), '{{aGVsbG8=}}');
    assert.equal(value('`null.int`'), 'null.int');
  });

  it('reads struct, list and bag constructors', () => {
    assert.equal(value("{'a': 1, 'b': [2, <<3>>]}"), '{a:1,b:[2,[3]]}');
    assert.equal(value('[]'), '[]');
  });
});

describe('statements', () => {
  it('accepts keywords in any case and identifiers exactly', () => {
    const view = new MemoryLedger();
    run(view, 'create table Mixed');
    run(view, "insert into Mixed value {'Name': 1}");
    assert.equal(run(view, 'SeLeCt * FrOm Mixed WhErE Name = 1').length, 1);
    assert.throws(() => run(view, 'SELECT * FROM mixed'), /No such variable named 'mixed'/);
  });

  it('accepts a trailing semicolon and comments', () => {
    assert.equal(parseStatement('SELECT * FROM T; -- done').kind, 'select');
    assert.equal(parseStatement('/* lead */ SELECT * FROM T').kind, 'select');
  });

  it('numbers parameters in order of appearance', () => {
    const stmt = parseStatement('SELECT ? FROM T WHERE a = ? AND b IN (?, ?)');
    assert.equal(stmt.kind, 'select');
    const params: number[] = [];
    JSON.stringify(stmt, (_key, v) => {
      if (v && v.kind === 'param') params.push(v.index);
      return v;
    });
    assert.deepEqual(params, [0, 1, 2, 3]);
  });

  it('parses the history() call with a space before its parenthesis', () => {
    const stmt = parseStatement('SELECT * FROM history (T, `2024-01-01T`) AS h');
    assert.ok(stmt.kind === 'select' && stmt.from[0].expr.kind === 'call' && stmt.from[0].alias === 'h');
  });

  it('caches parsed statements by text', () => {
    assert.equal(parse('SELECT * FROM CacheMe'), parse('SELECT * FROM CacheMe'));
  });

  it('rejects statements over 100,000 characters', () => {
    const long = `SELECT * FROM T WHERE a = '${'x'.repeat(100_000)}'`;
    assert.throws(() => parse(long), /maximum length of 100000/);
  });
});

describe('errors', () => {
  it('names the unexpected token and its position', () => {
    assert.equal(parseError('SELECT * FROM T WHERE'), 'Unexpected end of statement at line 1, column 22 (expected an expression)');
    assert.equal(parseError('SELECT a,\n  FROM T'), "Unexpected token 'FROM' at line 2, column 3 (expected an expression)");
    assert.match(parseError('SELEC * FROM T'), /Unexpected token 'SELEC' at line 1, column 1/);
  });

  it('reports unterminated strings, identifiers and Ion literals where they start', () => {
    assert.equal(parseError("SELECT 'abc"), 'Unterminated string literal at line 1, column 8');
    assert.equal(parseError('SELECT "abc'), 'Unterminated quoted identifier at line 1, column 8');
    assert.equal(parseError('SELECT `abc'), 'Unterminated Ion literal at line 1, column 8');
    assert.match(parseError('SELECT `{a:` FROM T'), /Invalid Ion literal at line 1, column 8/);
    assert.match(parseError('SELECT `1 2` FROM T'), /exactly one value, found 2 at line 1, column 8/);
  });

  it('rejects an empty statement and trailing garbage', () => {
    assert.match(parseError(''), /Empty statement/);
    assert.match(parseError('SELECT * FROM T T2 T3'), /Unexpected token 'T3'/);
  });
});
