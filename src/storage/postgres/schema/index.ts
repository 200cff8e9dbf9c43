import type { ComponentSchema } from '../db';

/**
 * Every component's PostgreSQL schema, in dependency order, one file per component beside this
 * one as on SQLite (src/storage/sqlite/schema/). The components' tables come with the stores
 * that use them.
 */
export const schemas: ComponentSchema[] = [];
