/**
 * Catalog statements. The catalog quotas (§5.5) and the table-name rules (§1.7) are checked here,
 * before the view is asked to change anything, so every ledger implementation enforces the same
 * limits with the same messages.
 */
import { IonTypes } from 'ion-js';
import { checkTags } from '../ledger/tags';
import { ServiceError } from '../server/errors';
import type { Statement } from './ast';
import type { Context } from './environment';
import { evaluate } from './evaluator';
import { isReserved } from './keywords';
import { StatementError } from './ledgerView';
import type { IonValue, TableInfo } from './ledgerView';
import { describePosition, Position } from './lexer';
import { COMMITTED_PREFIX } from './sources';
import { isStruct, isText, str, struct } from './values';

export const MAX_ACTIVE_TABLES = 20;
export const MAX_TOTAL_TABLES = 40;
export const MAX_INDEXES_PER_TABLE = 5;
export const MAX_INDEX_FIELD_LENGTH = 128;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

type DdlStatement = Extract<Statement, { kind: 'createTable' | 'dropTable' | 'undropTable' | 'createIndex' | 'dropIndex' }>;

function fail(message: string, pos: Position): never {
  throw new StatementError(`${message} ${describePosition(pos)}`);
}

function tableIdRow(tableId: string): IonValue {
  return struct([['tableId', str(tableId)]]);
}

function activeTable(ctx: Context, name: string, pos: Position): TableInfo {
  const table = ctx.view.activeTable(name);
  if (!table) fail(`No such variable named '${name}'`, pos);
  return table!;
}

function checkTableQuota(tables: TableInfo[], adding: 'new' | 'undrop', pos: Position): void {
  const active = tables.filter((t) => t.status === 'ACTIVE').length;
  if (active >= MAX_ACTIVE_TABLES) {
    fail(`Exceeded the limit of ${MAX_ACTIVE_TABLES} active tables per ledger`, pos);
  }
  if (adding === 'new' && tables.length >= MAX_TOTAL_TABLES) {
    fail(`Exceeded the limit of ${MAX_TOTAL_TABLES} tables per ledger, including dropped tables`, pos);
  }
}

export function runDdl(stmt: DdlStatement, ctx: Context): IonValue[] {
  const { view } = ctx;
  switch (stmt.kind) {
    case 'createTable': {
      if (!TABLE_NAME.test(stmt.name)) {
        fail(
          `Invalid table name '${stmt.name}': use 1 to 128 letters, digits and underscores, starting with a letter or underscore`,
          stmt.pos,
        );
      }
      if (isReserved(stmt.name)) fail(`Invalid table name '${stmt.name}': it is a reserved word`, stmt.pos);
      if (stmt.name.startsWith(COMMITTED_PREFIX)) fail(`Invalid table name '${stmt.name}': the prefix is reserved`, stmt.pos);
      if (view.activeTable(stmt.name)) fail(`Table with name: ${stmt.name} already exists`, stmt.pos);
      checkTableQuota(view.tables(), 'new', stmt.pos);
      let tags: Record<string, string> | undefined;
      if (stmt.tags) {
        if (view.permissionsMode !== 'STANDARD') {
          fail('Tags can be added to a table only in a ledger with the STANDARD permissions mode', stmt.tags.pos);
        }
        tags = tagsOf(evaluate(stmt.tags, undefined, ctx, 0) as IonValue, stmt.tags.pos);
      }
      return [tableIdRow(view.createTable(stmt.name, tags))];
    }
    case 'dropTable':
      activeTable(ctx, stmt.name, stmt.pos);
      return [tableIdRow(view.dropTable(stmt.name))];
    case 'undropTable': {
      const tables = view.tables();
      const table = tables.find((t) => t.tableId === stmt.tableId);
      if (!table) fail(`No such table id '${stmt.tableId}'`, stmt.pos);
      if (table!.status === 'ACTIVE') fail(`Table ${stmt.tableId} is not dropped`, stmt.pos);
      if (view.activeTable(table!.name)) {
        fail(`Cannot undrop table ${stmt.tableId}: an active table named ${table!.name} exists`, stmt.pos);
      }
      checkTableQuota(tables, 'undrop', stmt.pos);
      return [tableIdRow(view.undropTable(stmt.tableId))];
    }
    case 'createIndex': {
      const table = activeTable(ctx, stmt.table, stmt.pos);
      if (stmt.field.length > MAX_INDEX_FIELD_LENGTH) {
        fail(`Index field name is longer than ${MAX_INDEX_FIELD_LENGTH} characters`, stmt.pos);
      }
      const live = table.indexes.filter((ix) => ix.status !== 'DELETING');
      if (live.some((ix) => ix.field === stmt.field)) {
        fail(`An index on field '${stmt.field}' already exists on table ${stmt.table}`, stmt.pos);
      }
      if (live.length >= MAX_INDEXES_PER_TABLE) {
        fail(`Exceeded the limit of ${MAX_INDEXES_PER_TABLE} indexes per table`, stmt.pos);
      }
      return [tableIdRow(view.createIndex(stmt.table, stmt.field))];
    }
    case 'dropIndex': {
      const table = activeTable(ctx, stmt.table, stmt.pos);
      if (!table.indexes.some((ix) => ix.indexId === stmt.indexId)) {
        fail(`No such index '${stmt.indexId}' on table ${stmt.table}`, stmt.pos);
      }
      return [tableIdRow(view.dropIndex(stmt.table, stmt.indexId))];
    }
  }
}

function tagsOf(v: IonValue, pos: Position): Record<string, string> {
  if (!isStruct(v)) fail('aws_tags must be a struct of strings', pos);
  const tags: Record<string, string> = {};
  for (const [key, value] of v.fields()) {
    if (!isText(value)) fail(`Tag '${key}' must have a string value`, pos);
    tags[key] = value.stringValue()!;
  }
  try {
    checkTags({}, tags);
  } catch (e) {
    // the control plane's rules, answered as a statement error (BadRequest), not InvalidParameter
    if (e instanceof ServiceError) fail(e.message, pos);
    throw e;
  }
  return tags;
}

/** `EXEC REDACT_REVISION blockAddress, 'tableId', 'documentId'`. */
export function runExec(stmt: Extract<Statement, { kind: 'exec' }>, ctx: Context): IonValue[] {
  if (stmt.procedure !== 'redact_revision') fail(`No such stored procedure: ${stmt.procedure}`, stmt.pos);
  if (stmt.args.length !== 3) fail('REDACT_REVISION takes a block address, a table id and a document id', stmt.pos);
  const [addressValue, tableValue, documentValue] = stmt.args.map((a) => evaluate(a, undefined, ctx, 0));
  if (!isStruct(addressValue)) fail('The block address must be a struct {strandId, sequenceNo}', stmt.args[0].pos);
  const strandId = addressValue.get('strandId');
  const sequenceNo = addressValue.get('sequenceNo');
  if (!strandId || !isText(strandId) || !sequenceNo || sequenceNo.isNull() || sequenceNo.getType() !== IonTypes.INT) {
    fail('The block address must be a struct {strandId, sequenceNo}', stmt.args[0].pos);
  }
  if (!isText(tableValue)) fail('The table id must be a string', stmt.args[1].pos);
  if (!isText(documentValue)) fail('The document id must be a string', stmt.args[2].pos);
  const tableId = tableValue.stringValue()!;
  if (!ctx.view.tables().some((t) => t.tableId === tableId)) fail(`No such table id '${tableId}'`, stmt.args[1].pos);
  const result = ctx.view.redactRevision(
    { strandId: strandId!.stringValue()!, sequenceNo: Number(sequenceNo!.bigIntValue()) },
    tableId,
    documentValue.stringValue()!,
  );
  return [result];
}
