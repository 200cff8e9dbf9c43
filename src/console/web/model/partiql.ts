/** PartiQL text the console writes itself, from names and ids typed or listed. */

/** A quoted identifier: any table name, `"` doubled. */
export const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A string literal, `'` doubled. */
export const quoteString = (text: string) => `'${text.replace(/'/g, "''")}'`;

export const tablesStatement = 'SELECT * FROM information_schema.user_tables';

export const countStatement = (table: string) => `SELECT COUNT(*) AS documents FROM ${quoteName(table)}`;

/** The committed view gives each document with its id and version. */
export const documentsStatement = (table: string) => `SELECT r.metadata.id AS id, r.metadata.version AS version, r.data AS data FROM ${quoteName('_ql_committed_' + table)} AS r`;

export const historyStatement = (table: string, documentId: string) => `SELECT * FROM history(${quoteName(table)}) AS h WHERE h.metadata.id = ${quoteString(documentId)}`;
