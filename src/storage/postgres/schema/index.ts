import type { ComponentSchema } from '../db';
import { documentSchema } from './documents';
import { exportSchema } from './exports';
import { journalSchema } from './journal';
import { jobSchema } from './jobs';
import { ledgerSchema } from './ledgers';
import { nodeSchema } from './nodes';

/**
 * Every component's PostgreSQL schema, in dependency order, one file per component beside this
 * one as on SQLite (src/storage/sqlite/schema/). The components' tables come with the stores
 * that use them.
 */
export const schemas: ComponentSchema[] = [ledgerSchema, documentSchema, exportSchema, journalSchema, nodeSchema, jobSchema];
