import type { ComponentSchema } from '../db';
import { ledgerSchema } from './ledgers';
import { documentSchema } from './documents';
import { exportSchema } from './exports';
import { journalSchema } from './journal';
import { jobSchema } from './jobs';

/** Every component's schema, in dependency order. Add a component's file here once. */
export const schemas: ComponentSchema[] = [ledgerSchema, documentSchema, exportSchema, journalSchema, jobSchema];
