/** The syntax tree of one statement. Every node keeps where it started, for error messages. */
import type { IonValue } from './ledgerView';
import type { Position } from './lexer';

export type Expr =
  | { kind: 'literal'; value: IonValue; pos: Position }
  | { kind: 'missing'; pos: Position }
  | { kind: 'param'; index: number; pos: Position }
  /** `name` is exact text; `quoted` identifiers never fall back to case-insensitive matching */
  | { kind: 'id'; name: string; quoted: boolean; pos: Position }
  | { kind: 'path'; root: Expr; steps: PathStep[]; pos: Position }
  | { kind: 'unary'; op: '-' | '+' | 'not'; operand: Expr; pos: Position }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: Position }
  | { kind: 'between'; operand: Expr; low: Expr; high: Expr; negated: boolean; pos: Position }
  | { kind: 'in'; operand: Expr; list: Expr[] | Expr; negated: boolean; pos: Position }
  | { kind: 'like'; operand: Expr; pattern: Expr; escape?: Expr; negated: boolean; pos: Position }
  | { kind: 'is'; operand: Expr; type: string; negated: boolean; pos: Position }
  | { kind: 'call'; name: string; args: Expr[]; star: boolean; pos: Position }
  | { kind: 'cast'; operand: Expr; type: string; pos: Position }
  | { kind: 'case'; subject?: Expr; branches: { when: Expr; then: Expr }[]; otherwise?: Expr; pos: Position }
  | { kind: 'struct'; fields: { name: Expr; value: Expr }[]; pos: Position }
  | { kind: 'list'; items: Expr[]; pos: Position }
  | { kind: 'bag'; items: Expr[]; pos: Position }
  | { kind: 'subquery'; query: SelectStatement; pos: Position };

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '||'
  | '=' | '<>' | '<' | '>' | '<=' | '>='
  | 'and' | 'or';

export type PathStep =
  | { kind: 'field'; name: string; quoted: boolean }
  | { kind: 'index'; index: Expr };

export interface FromSource {
  expr: Expr;
  alias?: string;
  at?: string;
  by?: string;
  pos: Position;
}

export type Projection =
  | { kind: 'expr'; expr: Expr; alias?: string }
  /** `t.*` */
  | { kind: 'all'; expr: Expr };

export interface SelectStatement {
  kind: 'select';
  /** `SELECT VALUE e` */
  value?: Expr;
  /** `SELECT *` when undefined and `value` is undefined */
  projections?: Projection[];
  from: FromSource[];
  where?: Expr;
  pos: Position;
}

export type DmlOperation =
  | { kind: 'set'; target: Expr; value: Expr }
  | { kind: 'remove'; target: Expr }
  | { kind: 'insertInto'; target: Expr; value: Expr; at?: Expr };

export interface InsertStatement {
  kind: 'insert';
  table: string;
  tablePos: Position;
  /** `INSERT INTO T VALUE e` inserts exactly one document; without VALUE, e may be a collection */
  single: boolean;
  value: Expr;
  pos: Position;
}

/** UPDATE, DELETE and the `FROM … WHERE … <operation>` forms share one shape. */
export interface MutateStatement {
  kind: 'mutate';
  verb: 'update' | 'delete' | 'from';
  source: FromSource;
  /** `FROM T AS t, @t.list AS x …`: collections inside the document, bound as further sources */
  nested: FromSource[];
  where?: Expr;
  operations: DmlOperation[];
  pos: Position;
}

export type Statement =
  | SelectStatement
  | InsertStatement
  | MutateStatement
  | { kind: 'createTable'; name: string; tags?: Expr; pos: Position }
  | { kind: 'dropTable'; name: string; pos: Position }
  | { kind: 'undropTable'; tableId: string; pos: Position }
  | { kind: 'createIndex'; table: string; field: string; pos: Position }
  | { kind: 'dropIndex'; indexId: string; table: string; pos: Position }
  | { kind: 'exec'; procedure: string; args: Expr[]; pos: Position };
