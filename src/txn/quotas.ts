/** QLDB's per-ledger and per-transaction quotas (spec §5.5). */
export const QUOTAS = {
  activeTables: 20,
  totalTables: 40,
  indexesPerTable: 5,
  indexFieldNameChars: 128,
  documentsPerTransaction: 40,
  redactionsPerTransaction: 1,
  /** Ion binary size of one document */
  documentBytes: 128 * 1024,
  /** documents written by one transaction, Ion binary */
  transactionBytes: 4 * 1024 * 1024,
  /** values per FirstPage / Page */
  pageSize: 200,
} as const;
