/**
 * A ledger's catalog (tables and their indexes) as an immutable value: the committed catalog is
 * replaced, never mutated, so a transaction can keep the one it started with as its snapshot.
 */
import type { IndexInfo, TableInfo } from '../partiql/ledgerView';

export interface CatalogTable extends TableInfo {
  tags?: Record<string, string>;
}

export class Catalog {
  private readonly byIdMap = new Map<string, CatalogTable>();
  private readonly activeByName = new Map<string, CatalogTable>();

  constructor(readonly tables: readonly CatalogTable[]) {
    for (const t of tables) {
      this.byIdMap.set(t.tableId, t);
      if (t.status === 'ACTIVE') this.activeByName.set(t.name, t);
    }
  }

  byId(tableId: string): CatalogTable | undefined {
    return this.byIdMap.get(tableId);
  }

  active(name: string): CatalogTable | undefined {
    return this.activeByName.get(name);
  }

  activeCount(): number {
    return this.activeByName.size;
  }

  /** Fields with an index on this table (the keys we maintain at commit). */
  indexedFields(tableId: string): string[] {
    return this.byIdMap.get(tableId)?.indexes.map((i) => i.field) ?? [];
  }

  hasIndex(tableId: string, field: string): boolean {
    return this.byIdMap.get(tableId)?.indexes.some((i) => i.field === field) ?? false;
  }

  /** A new catalog with one table replaced (or appended when new). */
  with(table: CatalogTable): Catalog {
    const i = this.tables.findIndex((t) => t.tableId === table.tableId);
    const next = [...this.tables];
    if (i < 0) next.push(table);
    else next[i] = table;
    return new Catalog(next);
  }
}

/** A catalog change made by a transaction, replayed onto the committed catalog at commit. */
export type CatalogOp =
  | { kind: 'createTable'; table: CatalogTable }
  | { kind: 'dropTable'; tableId: string }
  | { kind: 'undropTable'; tableId: string }
  | { kind: 'createIndex'; tableId: string; index: IndexInfo }
  | { kind: 'dropIndex'; tableId: string; indexId: string };

export function applyOp(c: Catalog, op: CatalogOp): Catalog {
  switch (op.kind) {
    case 'createTable':
      return c.with(op.table);
    case 'dropTable':
    case 'undropTable': {
      const t = c.byId(op.tableId);
      if (!t) return c;
      return c.with({ ...t, status: op.kind === 'dropTable' ? 'INACTIVE' : 'ACTIVE' });
    }
    case 'createIndex': {
      const t = c.byId(op.tableId);
      if (!t) return c;
      return c.with({ ...t, indexes: [...t.indexes, op.index] });
    }
    case 'dropIndex': {
      const t = c.byId(op.tableId);
      if (!t) return c;
      return c.with({ ...t, indexes: t.indexes.filter((i) => i.indexId !== op.indexId) });
    }
  }
}
