/**
 * Plain-text tables for people at a terminal (`--output table`, the shell's `table` format):
 * one header row, columns as wide as their widest cell, cells on one line each.
 */

/** Renders rows under the given columns; a missing cell is empty. Newlines and tabs in cells are shown escaped. */
export function renderTable(columns: string[], rows: Record<string, string | undefined>[]): string {
  const clean = (s: string | undefined) => (s ?? '').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  const cells = rows.map((r) => columns.map((c) => clean(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** The columns of a list of records, in first-seen order. */
export function columnsOf(rows: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}
