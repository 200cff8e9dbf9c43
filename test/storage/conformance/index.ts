/**
 * The store conformance suite: one set of tests every backend of src/storage/stores.ts passes
 * (conformance.sqlite.test.ts, conformance.postgres.test.ts run it).
 */
import type { Backend } from './backend';
import { commitTests } from './commits';
import { documentTests } from './documents';
import { exportTests } from './exports';
import { jobTests } from './jobs';
import { journalTests } from './journal';
import { ledgerTests } from './ledgers';
import { nodeTests } from './nodes';

export type { Backend } from './backend';

export function conformance(backend: Backend): void {
  ledgerTests(backend);
  journalTests(backend);
  documentTests(backend);
  commitTests(backend);
  exportTests(backend);
  jobTests(backend);
  nodeTests(backend);
}
