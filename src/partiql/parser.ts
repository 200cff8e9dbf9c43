/**
 * Recursive-descent parser for the statements QLDB accepts (§5 of the session spec).
 * Anything QLDB rejects (ORDER BY, GROUP BY, DISTINCT, LIMIT, outer joins) is refused here with a
 * message that names the feature, rather than being parsed and ignored.
 */
import { dom, IonTypes } from 'ion-js';
import type {
  BinaryOp, DmlOperation, Expr, FromSource, MutateStatement, PathStep, Projection,
  SelectStatement, Statement,
} from './ast';
import { StatementError } from './ledgerView';
import { describePosition, Position, Token, tokenize } from './lexer';
import { isReserved } from './keywords';

const UNSUPPORTED_CLAUSES: Record<string, string> = {
  order: 'ORDER BY',
  group: 'GROUP BY',
  having: 'HAVING',
  limit: 'LIMIT',
  offset: 'OFFSET',
  union: 'UNION',
  intersect: 'INTERSECT',
  except: 'EXCEPT',
};

/** Words that end a FROM source or an expression, so they are never taken as an implicit alias. */
const CLAUSE_WORDS = new Set([
  'where', 'join', 'inner', 'cross', 'left', 'right', 'full', 'outer', 'on', 'at', 'by', 'as',
  'set', 'remove', 'insert', 'order', 'group', 'having', 'limit', 'offset', 'union', 'intersect',
  'except', 'let', 'from',
]);

const TYPE_NAMES = new Set([
  'null', 'missing', 'bool', 'boolean', 'int', 'integer', 'smallint', 'int4', 'int8', 'bigint',
  'float', 'real', 'double', 'decimal', 'numeric', 'dec', 'string', 'varchar', 'char', 'character',
  'symbol', 'timestamp', 'clob', 'blob', 'list', 'sexp', 'struct', 'tuple', 'bag', 'any',
]);

export function parseStatement(text: string): Statement {
  return new Parser(tokenize(text)).statement();
}

class Parser {
  private i = 0;
  private paramCount = 0;

  constructor(private readonly tokens: Token[]) {}

  // ---- token helpers ----
  private get tok(): Token {
    return this.tokens[this.i];
  }
  private peek(n = 1): Token {
    return this.tokens[Math.min(this.i + n, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.tokens[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isWord(word: string, t: Token = this.tok): boolean {
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }
  private isPunct(p: string, t: Token = this.tok): boolean {
    return t.kind === 'punct' && t.text === p;
  }
  private acceptWord(word: string): boolean {
    if (this.isWord(word)) {
      this.i++;
      return true;
    }
    return false;
  }
  private acceptPunct(p: string): boolean {
    if (this.isPunct(p)) {
      this.i++;
      return true;
    }
    return false;
  }
  private expectWord(word: string): Token {
    if (!this.isWord(word)) this.unexpected(`expected ${word.toUpperCase()}`);
    return this.next();
  }
  private expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.unexpected(`expected '${p}'`);
    return this.next();
  }
  private unexpected(expectation?: string): never {
    const t = this.tok;
    const found = t.kind === 'eof' ? 'end of statement' : `token '${t.text}'`;
    throw new StatementError(
      `Unexpected ${found} ${describePosition(t.pos)}${expectation ? ` (${expectation})` : ''}`,
    );
  }
  private fail(message: string, pos: Position): never {
    throw new StatementError(`${message} ${describePosition(pos)}`);
  }

  /** A table or alias name: bare word or "quoted". */
  private name(what: string): { name: string; pos: Position } {
    const t = this.tok;
    if (t.kind === 'quoted' || (t.kind === 'word' && !CLAUSE_WORDS.has(t.text.toLowerCase()))) {
      this.i++;
      return { name: t.text, pos: t.pos };
    }
    return this.unexpected(`expected ${what}`);
  }

  // ---- statements ----
  statement(): Statement {
    const t = this.tok;
    let stmt: Statement;
    if (this.isWord('select')) stmt = this.select();
    else if (this.isWord('insert')) stmt = this.insert();
    else if (this.isWord('update')) stmt = this.update();
    else if (this.isWord('delete')) stmt = this.delete();
    else if (this.isWord('from')) stmt = this.fromDml();
    else if (this.isWord('create')) stmt = this.create();
    else if (this.isWord('drop')) stmt = this.drop();
    else if (this.isWord('undrop')) stmt = this.undrop();
    else if (this.isWord('exec') || this.isWord('execute')) stmt = this.exec();
    else if (t.kind === 'eof') this.fail('Empty statement', t.pos);
    else this.unexpected('expected a statement');
    this.acceptPunct(';');
    if (this.tok.kind !== 'eof') {
      const word = this.tok.kind === 'word' ? this.tok.text.toLowerCase() : '';
      if (word in UNSUPPORTED_CLAUSES) {
        this.fail(`${UNSUPPORTED_CLAUSES[word]} is not supported by QLDB`, this.tok.pos);
      }
      this.unexpected('expected end of statement');
    }
    return stmt!;
  }

  private select(): SelectStatement {
    const pos = this.expectWord('select').pos;
    if (this.isWord('distinct')) this.fail('DISTINCT is not supported by QLDB', this.tok.pos);
    this.acceptWord('all');
    const stmt: SelectStatement = { kind: 'select', from: [], pos };
    if (this.acceptWord('value')) {
      stmt.value = this.expr();
    } else if (this.acceptPunct('*')) {
      // SELECT * — projections stay undefined
    } else {
      stmt.projections = [this.projection()];
      while (this.acceptPunct(',')) stmt.projections.push(this.projection());
    }
    this.expectWord('from');
    const { sources, joinConditions } = this.fromSources();
    stmt.from = sources;
    let where = this.acceptWord('where') ? this.expr() : undefined;
    for (const condition of joinConditions) {
      where = where ? { kind: 'binary', op: 'and', left: condition, right: where, pos: condition.pos } : condition;
    }
    stmt.where = where;
    return stmt;
  }

  private projection(): Projection {
    if (this.isPunct('-') || this.isPunct('+') || this.isWord('not')) return this.namedProjection(this.expr());
    const expr = this.postfix(this.primary(), true);
    if (expr.kind === 'path' && expr.steps.length === 0) {
      // `t.*` comes back as a path with a star marker, see postfix()
      return { kind: 'all', expr: expr.root };
    }
    return this.namedProjection(this.continueExpr(expr));
  }

  private namedProjection(full: Expr): Projection {
    let alias: string | undefined;
    if (this.acceptWord('as')) alias = this.name('an alias').name;
    else if (this.implicitAliasAhead()) alias = this.name('an alias').name;
    return { kind: 'expr', expr: full, alias };
  }

  private implicitAliasAhead(): boolean {
    const t = this.tok;
    if (t.kind === 'quoted') return true;
    return t.kind === 'word' && !isReserved(t.text) && !CLAUSE_WORDS.has(t.text.toLowerCase());
  }

  /**
   * FROM sources. INNER JOIN … ON conditions are returned separately and folded into WHERE:
   * for inner joins that is the same result and lets the index planner see them.
   */
  private fromSources(): { sources: FromSource[]; joinConditions: Expr[] } {
    const sources = [this.fromSource()];
    const joinConditions: Expr[] = [];
    for (;;) {
      if (this.acceptPunct(',')) {
        sources.push(this.fromSource());
        continue;
      }
      if (this.isWord('left') || this.isWord('right') || this.isWord('full') || this.isWord('outer')) {
        this.fail('Outer joins are not supported by QLDB', this.tok.pos);
      }
      if (this.isWord('cross')) {
        this.next();
        this.expectWord('join');
        sources.push(this.fromSource());
        continue;
      }
      if (this.isWord('inner') || this.isWord('join')) {
        this.acceptWord('inner');
        this.expectWord('join');
        sources.push(this.fromSource());
        if (this.acceptWord('on')) joinConditions.push(this.expr());
        continue;
      }
      return { sources, joinConditions };
    }
  }

  private fromSource(): FromSource {
    const pos = this.tok.pos;
    const expr = this.postfix(this.primary(), false);
    const source: FromSource = { expr, pos };
    if (this.acceptWord('as')) source.alias = this.name('an alias').name;
    else if (this.implicitAliasAhead()) source.alias = this.name('an alias').name;
    if (this.acceptWord('at')) source.at = this.name('an AT variable').name;
    if (this.acceptWord('by')) source.by = this.name('a BY variable').name;
    return source;
  }

  private insert(): Statement {
    const pos = this.expectWord('insert').pos;
    this.expectWord('into');
    const table = this.name('a table name');
    if (this.isPunct('.') || this.isPunct('[')) {
      this.fail('INSERT INTO a nested path needs the FROM … INSERT INTO form', this.tok.pos);
    }
    const single = this.acceptWord('value');
    const value = this.expr();
    if (this.isWord('at')) this.fail('AT is only valid in FROM … INSERT INTO', this.tok.pos);
    return { kind: 'insert', table: table.name, tablePos: table.pos, single, value, pos };
  }

  private mutationSource(): FromSource {
    const t = this.name('a table name');
    const source: FromSource = { expr: { kind: 'id', name: t.name, quoted: true, pos: t.pos }, pos: t.pos };
    if (this.acceptWord('as')) source.alias = this.name('an alias').name;
    else if (this.implicitAliasAhead()) source.alias = this.name('an alias').name;
    if (this.acceptWord('at')) this.fail('AT is not valid on a table being modified', this.tok.pos);
    if (this.acceptWord('by')) source.by = this.name('a BY variable').name;
    return source;
  }

  private update(): MutateStatement {
    const pos = this.expectWord('update').pos;
    const source = this.mutationSource();
    const operations = this.operations();
    const where = this.acceptWord('where') ? this.expr() : undefined;
    return { kind: 'mutate', verb: 'update', source, nested: [], where, operations, pos };
  }

  private delete(): MutateStatement {
    const pos = this.expectWord('delete').pos;
    this.expectWord('from');
    const source = this.mutationSource();
    const where = this.acceptWord('where') ? this.expr() : undefined;
    return { kind: 'mutate', verb: 'delete', source, nested: [], where, operations: [], pos };
  }

  private fromDml(): MutateStatement {
    const pos = this.expectWord('from').pos;
    const source = this.mutationSource();
    const nested: FromSource[] = [];
    while (this.acceptPunct(',')) nested.push(this.fromSource());
    const where = this.acceptWord('where') ? this.expr() : undefined;
    const operations = this.operations();
    return { kind: 'mutate', verb: 'from', source, nested, where, operations, pos };
  }

  private operations(): DmlOperation[] {
    const ops: DmlOperation[] = [];
    for (;;) {
      if (this.acceptWord('set')) {
        do {
          const target = this.path();
          this.expectPunct('=');
          ops.push({ kind: 'set', target, value: this.expr() });
        } while (this.acceptPunct(','));
      } else if (this.acceptWord('remove')) {
        do ops.push({ kind: 'remove', target: this.path() });
        while (this.acceptPunct(','));
      } else if (this.isWord('insert')) {
        this.next();
        this.expectWord('into');
        const target = this.path();
        this.expectWord('value');
        const value = this.expr();
        const at = this.acceptWord('at') ? this.expr() : undefined;
        ops.push({ kind: 'insertInto', target, value, at });
      } else break;
    }
    if (ops.length === 0) this.unexpected('expected SET, REMOVE or INSERT INTO');
    return ops;
  }

  /** A DML target: an identifier followed by field/index steps. */
  private path(): Expr {
    const t = this.tok;
    if (t.kind !== 'word' && t.kind !== 'quoted') this.unexpected('expected a path');
    this.next();
    const root: Expr = { kind: 'id', name: t.text, quoted: t.kind === 'quoted', pos: t.pos };
    return this.postfix(root, false);
  }

  private create(): Statement {
    const pos = this.expectWord('create').pos;
    if (this.acceptWord('table')) {
      const name = this.name('a table name');
      let tags: Expr | undefined;
      if (this.acceptWord('with')) {
        this.expectPunct('(');
        const key = this.name('aws_tags');
        if (key.name.toLowerCase() !== 'aws_tags') this.fail(`Unknown table option '${key.name}'`, key.pos);
        this.expectPunct('=');
        tags = this.expr();
        this.expectPunct(')');
      }
      return { kind: 'createTable', name: name.name, tags, pos };
    }
    if (this.acceptWord('index')) {
      this.expectWord('on');
      const table = this.name('a table name');
      this.expectPunct('(');
      const field = this.name('a field name');
      if (!this.isPunct(')')) {
        this.fail('Indexes on nested fields, expressions or several fields are not supported', this.tok.pos);
      }
      this.next();
      return { kind: 'createIndex', table: table.name, field: field.name, pos };
    }
    if (this.isWord('unique')) this.fail('Unique indexes are not supported', this.tok.pos);
    return this.unexpected('expected TABLE or INDEX');
  }

  private drop(): Statement {
    const pos = this.expectWord('drop').pos;
    if (this.acceptWord('table')) {
      return { kind: 'dropTable', name: this.name('a table name').name, pos };
    }
    if (this.acceptWord('index')) {
      const id = this.name('an index id');
      this.expectWord('on');
      const table = this.name('a table name');
      // QLDB makes the purge clause mandatory, to make the irreversibility explicit.
      if (!this.acceptWord('with')) this.fail("DROP INDEX requires 'WITH (purge = true)'", this.tok.pos);
      this.expectPunct('(');
      const option = this.tok;
      if (option.kind !== 'word' || option.text !== 'purge') {
        this.fail("DROP INDEX requires 'WITH (purge = true)'", option.pos);
      }
      this.next();
      this.expectPunct('=');
      if (!this.acceptWord('true')) this.fail("DROP INDEX requires 'WITH (purge = true)'", this.tok.pos);
      this.expectPunct(')');
      return { kind: 'dropIndex', indexId: id.name, table: table.name, pos };
    }
    return this.unexpected('expected TABLE or INDEX');
  }

  private undrop(): Statement {
    const pos = this.expectWord('undrop').pos;
    this.expectWord('table');
    return { kind: 'undropTable', tableId: this.name('a table id').name, pos };
  }

  private exec(): Statement {
    const pos = this.next().pos;
    const proc = this.tok;
    if (proc.kind !== 'word') this.unexpected('expected a procedure name');
    this.next();
    const args: Expr[] = [];
    if (this.tok.kind !== 'eof' && !this.isPunct(';')) {
      args.push(this.expr());
      while (this.acceptPunct(',')) args.push(this.expr());
    }
    return { kind: 'exec', procedure: proc.text.toLowerCase(), args, pos };
  }

  // ---- expressions ----
  expr(): Expr {
    return this.or();
  }

  /** Continues an expression whose first operand has already been parsed (projections). */
  private continueExpr(first: Expr): Expr {
    let left = this.multiplicativeRest(first);
    left = this.additiveRest(left);
    left = this.concatRest(left);
    left = this.predicateRest(left);
    left = this.andRest(left);
    return this.orRest(left);
  }

  private or(): Expr {
    return this.orRest(this.and());
  }
  private orRest(left: Expr): Expr {
    while (this.isWord('or')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: 'or', left, right: this.and(), pos };
    }
    return left;
  }
  private and(): Expr {
    return this.andRest(this.not());
  }
  private andRest(left: Expr): Expr {
    while (this.isWord('and')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: 'and', left, right: this.not(), pos };
    }
    return left;
  }
  private not(): Expr {
    if (this.isWord('not')) {
      const pos = this.next().pos;
      return { kind: 'unary', op: 'not', operand: this.not(), pos };
    }
    return this.predicate();
  }
  private predicate(): Expr {
    return this.predicateRest(this.concat());
  }
  private predicateRest(left: Expr): Expr {
    for (;;) {
      const t = this.tok;
      if (t.kind === 'punct' && ['=', '<>', '!=', '<', '>', '<=', '>='].includes(t.text)) {
        this.next();
        const op = (t.text === '!=' ? '<>' : t.text) as BinaryOp;
        left = { kind: 'binary', op, left, right: this.concat(), pos: t.pos };
        continue;
      }
      if (this.isWord('is')) {
        this.next();
        const negated = this.acceptWord('not');
        const typeTok = this.next();
        const type = typeTok.text.toLowerCase();
        if (typeTok.kind !== 'word' || !TYPE_NAMES.has(type)) this.fail('Expected a type after IS', typeTok.pos);
        left = { kind: 'is', operand: left, type, negated, pos: t.pos };
        continue;
      }
      let negated = false;
      if (this.isWord('not') && ['between', 'in', 'like'].some((w) => this.isWord(w, this.peek()))) {
        this.next();
        negated = true;
      }
      if (this.acceptWord('between')) {
        const low = this.concat();
        this.expectWord('and');
        const high = this.concat();
        left = { kind: 'between', operand: left, low, high, negated, pos: t.pos };
        continue;
      }
      if (this.acceptWord('in')) {
        left = { kind: 'in', operand: left, list: this.inList(), negated, pos: t.pos };
        continue;
      }
      if (this.acceptWord('like')) {
        const pattern = this.concat();
        const escape = this.acceptWord('escape') ? this.concat() : undefined;
        left = { kind: 'like', operand: left, pattern, escape, negated, pos: t.pos };
        continue;
      }
      return left;
    }
  }

  /** `IN (a, b)` is a list of candidates; `IN x` (a parameter, a list literal) is one collection. */
  private inList(): Expr[] | Expr {
    if (this.isPunct('(') && !this.isWord('select', this.peek())) {
      this.next();
      const items: Expr[] = [];
      if (!this.isPunct(')')) {
        items.push(this.expr());
        while (this.acceptPunct(',')) items.push(this.expr());
      }
      this.expectPunct(')');
      return items;
    }
    return this.concat();
  }

  private concat(): Expr {
    return this.concatRest(this.additive());
  }
  private concatRest(left: Expr): Expr {
    while (this.isPunct('||')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: '||', left, right: this.additive(), pos };
    }
    return left;
  }
  private additive(): Expr {
    return this.additiveRest(this.multiplicative());
  }
  private additiveRest(left: Expr): Expr {
    while (this.isPunct('+') || this.isPunct('-')) {
      const t = this.next();
      left = { kind: 'binary', op: t.text as BinaryOp, left, right: this.multiplicative(), pos: t.pos };
    }
    return left;
  }
  private multiplicative(): Expr {
    return this.multiplicativeRest(this.unary());
  }
  private multiplicativeRest(left: Expr): Expr {
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const t = this.next();
      left = { kind: 'binary', op: t.text as BinaryOp, left, right: this.unary(), pos: t.pos };
    }
    return left;
  }
  private unary(): Expr {
    if (this.isPunct('-') || this.isPunct('+')) {
      const t = this.next();
      const operand = this.unary();
      if (operand.kind === 'literal' && t.text === '-') {
        const negated = negateLiteral(operand.value);
        if (negated) return { kind: 'literal', value: negated, pos: t.pos };
      }
      return { kind: 'unary', op: t.text as '-' | '+', operand, pos: t.pos };
    }
    return this.postfix(this.primary(), false);
  }

  /**
   * Path steps after a primary. With `allowStar`, a trailing `.*` is reported as a path with no
   * steps (the projection parser turns it into `t.*`).
   */
  private postfix(root: Expr, allowStar: boolean): Expr {
    const steps: PathStep[] = [];
    for (;;) {
      if (this.isPunct('.')) {
        const dot = this.next();
        const t = this.tok;
        if (t.kind === 'word' || t.kind === 'quoted') {
          this.next();
          steps.push({ kind: 'field', name: t.text, quoted: t.kind === 'quoted' });
          continue;
        }
        if (this.isPunct('*') && allowStar) {
          this.next();
          const base: Expr = steps.length ? { kind: 'path', root, steps, pos: root.pos } : root;
          return { kind: 'path', root: base, steps: [], pos: dot.pos };
        }
        this.unexpected('expected a field name');
      }
      if (this.isPunct('[')) {
        this.next();
        if (this.isPunct('*')) this.fail('Wildcard paths are not supported', this.tok.pos);
        const index = this.expr();
        this.expectPunct(']');
        steps.push({ kind: 'index', index });
        continue;
      }
      break;
    }
    return steps.length ? { kind: 'path', root, steps, pos: root.pos } : root;
  }

  private primary(): Expr {
    const t = this.tok;
    const pos = t.pos;
    switch (t.kind) {
      case 'string':
        this.next();
        return { kind: 'literal', value: new dom.String(t.text), pos };
      case 'int':
        this.next();
        return { kind: 'literal', value: new dom.Integer(BigInt(t.text)), pos };
      case 'decimal':
        this.next();
        return { kind: 'literal', value: new dom.Decimal(t.text.endsWith('.') ? t.text + '0' : t.text), pos };
      case 'float':
        this.next();
        return { kind: 'literal', value: new dom.Float(Number(t.text)), pos };
      case 'ion':
        this.next();
        return { kind: 'literal', value: parseIonLiteral(t.text, pos), pos };
      case 'param':
        this.next();
        return { kind: 'param', index: this.paramCount++, pos };
      case 'quoted':
        this.next();
        return { kind: 'id', name: t.text, quoted: true, pos };
      case 'eof':
        return this.unexpected('expected an expression');
      case 'punct':
        return this.punctuationPrimary(t);
      case 'word':
        return this.wordPrimary(t);
    }
  }

  private punctuationPrimary(t: Token): Expr {
    const pos = t.pos;
    switch (t.text) {
      case '(': {
        this.next();
        if (this.isWord('select')) {
          const query = this.select();
          this.expectPunct(')');
          return { kind: 'subquery', query, pos };
        }
        const inner = this.expr();
        this.expectPunct(')');
        return inner;
      }
      case '[':
        this.next();
        return { kind: 'list', items: this.items(']'), pos };
      case '<<':
        this.next();
        return { kind: 'bag', items: this.items('>>'), pos };
      case '{': {
        this.next();
        const fields: { name: Expr; value: Expr }[] = [];
        if (!this.isPunct('}')) {
          do {
            const name = this.expr();
            this.expectPunct(':');
            fields.push({ name, value: this.expr() });
          } while (this.acceptPunct(','));
        }
        this.expectPunct('}');
        return { kind: 'struct', fields, pos };
      }
      case '@': {
        this.next();
        const id = this.tok;
        if (id.kind !== 'word' && id.kind !== 'quoted') this.unexpected('expected a variable after @');
        this.next();
        return { kind: 'id', name: id.text, quoted: true, pos };
      }
      default:
        return this.unexpected('expected an expression');
    }
  }

  private items(close: string): Expr[] {
    const items: Expr[] = [];
    if (!this.isPunct(close)) {
      items.push(this.expr());
      while (this.acceptPunct(',')) items.push(this.expr());
    }
    this.expectPunct(close);
    return items;
  }

  private wordPrimary(t: Token): Expr {
    const pos = t.pos;
    const word = t.text.toLowerCase();
    switch (word) {
      case 'null':
        this.next();
        return { kind: 'literal', value: new dom.Null(IonTypes.NULL), pos };
      case 'missing':
        this.next();
        return { kind: 'missing', pos };
      case 'true':
      case 'false':
        this.next();
        return { kind: 'literal', value: new dom.Boolean(word === 'true'), pos };
      case 'case':
        return this.caseExpr();
      case 'select':
        this.fail('A subquery must be enclosed in parentheses', pos);
    }
    if (!this.isPunct('(', this.peek())) {
      if (CLAUSE_WORDS.has(word) && word !== 'at' && word !== 'by') this.unexpected('expected an expression');
      this.next();
      return { kind: 'id', name: t.text, quoted: false, pos };
    }
    this.next();
    this.next();
    switch (word) {
      case 'cast':
        return this.castRest(pos);
      case 'extract':
        return this.extractRest(pos);
      case 'trim':
        return this.trimRest(pos);
      case 'substring':
        return this.substringRest(pos);
      case 'date_add':
      case 'date_diff':
        return this.dateArithmeticRest(word, pos);
    }
    const call: Expr & { kind: 'call' } = { kind: 'call', name: word, args: [], star: false, pos };
    if (this.isPunct('*')) {
      this.next();
      call.star = true;
    } else if (!this.isPunct(')')) {
      if (this.isWord('distinct')) this.fail('DISTINCT is not supported by QLDB', this.tok.pos);
      this.acceptWord('all');
      call.args.push(this.callArgument());
      while (this.acceptPunct(',')) call.args.push(this.callArgument());
    }
    this.expectPunct(')');
    return call;
  }

  /** A bare SELECT is allowed as a function argument, as in `EXISTS(SELECT …)`. */
  private callArgument(): Expr {
    if (!this.isWord('select')) return this.expr();
    const pos = this.tok.pos;
    return { kind: 'subquery', query: this.select(), pos };
  }

  private caseExpr(): Expr {
    const pos = this.expectWord('case').pos;
    const subject = this.isWord('when') ? undefined : this.expr();
    const branches: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord('when')) {
      const when = this.expr();
      this.expectWord('then');
      branches.push({ when, then: this.expr() });
    }
    if (branches.length === 0) this.unexpected('expected WHEN');
    const otherwise = this.acceptWord('else') ? this.expr() : undefined;
    this.expectWord('end');
    return { kind: 'case', subject, branches, otherwise, pos };
  }

  private castRest(pos: Position): Expr {
    const operand = this.expr();
    this.expectWord('as');
    const typeTok = this.next();
    const type = typeTok.text.toLowerCase();
    if (typeTok.kind !== 'word' || !TYPE_NAMES.has(type)) this.fail(`Unknown type '${typeTok.text}'`, typeTok.pos);
    // `DOUBLE PRECISION`, `CHARACTER VARYING` and type parameters such as VARCHAR(10)
    this.acceptWord('precision');
    this.acceptWord('varying');
    if (this.acceptPunct('(')) {
      this.expr();
      while (this.acceptPunct(',')) this.expr();
      this.expectPunct(')');
    }
    this.expectPunct(')');
    return { kind: 'cast', operand, type, pos };
  }

  private keywordArg(): Expr {
    const t = this.next();
    if (t.kind !== 'word') this.fail('Expected a date part', t.pos);
    return { kind: 'literal', value: new dom.String(t.text.toLowerCase()), pos: t.pos };
  }

  private extractRest(pos: Position): Expr {
    const part = this.keywordArg();
    this.expectWord('from');
    const source = this.expr();
    this.expectPunct(')');
    return { kind: 'call', name: 'extract', args: [part, source], star: false, pos };
  }

  private dateArithmeticRest(name: string, pos: Position): Expr {
    const part = this.keywordArg();
    const args = [part];
    while (this.acceptPunct(',')) args.push(this.expr());
    this.expectPunct(')');
    return { kind: 'call', name, args, star: false, pos };
  }

  /** TRIM([[BOTH|LEADING|TRAILING] [chars] FROM] s) — normalised to trim(side, chars?, s). */
  private trimRest(pos: Position): Expr {
    let side = 'both';
    let chars: Expr | undefined;
    if (this.isWord('both') || this.isWord('leading') || this.isWord('trailing')) {
      side = this.next().text.toLowerCase();
      if (!this.isWord('from')) chars = this.expr();
      this.expectWord('from');
    }
    let source = this.expr();
    if (!chars && this.acceptWord('from')) {
      chars = source;
      source = this.expr();
    }
    this.expectPunct(')');
    const sideLiteral: Expr = { kind: 'literal', value: new dom.String(side), pos };
    const args = chars ? [sideLiteral, source, chars] : [sideLiteral, source];
    return { kind: 'call', name: 'trim', args, star: false, pos };
  }

  /** SUBSTRING(s, start[, length]) or SUBSTRING(s FROM start [FOR length]). */
  private substringRest(pos: Position): Expr {
    const args = [this.expr()];
    if (this.acceptWord('from')) {
      args.push(this.expr());
      if (this.acceptWord('for')) args.push(this.expr());
    } else {
      while (this.acceptPunct(',')) args.push(this.expr());
    }
    this.expectPunct(')');
    return { kind: 'call', name: 'substring', args, star: false, pos };
  }
}

function parseIonLiteral(text: string, pos: Position): dom.Value {
  let values: dom.Value[];
  try {
    // loadAll reads the whole text, so a truncated or doubled literal is caught here.
    values = dom.loadAll(text);
  } catch (e) {
    throw new StatementError(`Invalid Ion literal ${describePosition(pos)}: ${(e as Error).message}`);
  }
  if (values.length !== 1) {
    throw new StatementError(`An Ion literal must hold exactly one value, found ${values.length} ${describePosition(pos)}`);
  }
  return values[0];
}

function negateLiteral(value: dom.Value): dom.Value | undefined {
  if (value.isNull() || value.getAnnotations().length) return undefined;
  switch (value.getType()) {
    case IonTypes.INT:
      return new dom.Integer(-value.bigIntValue()!);
    case IonTypes.FLOAT:
      return new dom.Float(-value.numberValue()!);
    case IonTypes.DECIMAL: {
      const text = value.decimalValue()!.toString();
      return new dom.Decimal(text.startsWith('-') ? text.slice(1) : '-' + text);
    }
  }
  return undefined;
}
