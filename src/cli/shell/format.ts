/**
 * How the shell prints one statement's result: one result per statement, so that a script's
 * output can be read back statement by statement.
 * - `ion`: one Ion list of the values, pretty-printed; every Ion type, precision and annotation
 *   as the server sent it.
 * - `json`: one JSON array on one line, by Ion's standard down-conversion (the JSON export's).
 * - `table`: for people; one column per top-level field when every value is a struct, else one
 *   `value` column. Strings are shown without quotes, every other value as Ion text.
 */
import { dom, dumpBinary, dumpText, IonTypes, makePrettyWriter } from 'ion-js';
import { IonTranscoder } from '../../exports/ionTranscode';
import { OutBuf } from '../../exports/outBuf';
import { columnsOf, renderTable } from '../table';

export const FORMATS = ['ion', 'table', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

export function formatValues(values: dom.Value[], format: Format): string {
  switch (format) {
    case 'ion':
      return ionList(values);
    case 'json':
      return jsonArray(values);
    case 'table':
      return values.length ? table(values) : '';
  }
}

function ionList(values: dom.Value[]): string {
  if (!values.length) return '[]\n';
  const w = makePrettyWriter(2);
  w.stepIn(IonTypes.LIST);
  for (const v of values) v.writeTo(w);
  w.stepOut();
  w.close();
  return Buffer.from(w.getBytes()).toString('utf8') + '\n';
}

function jsonArray(values: dom.Value[]): string {
  if (!values.length) return '[]\n';
  const out = new OutBuf(1024);
  new IonTranscoder().toJson(Buffer.from(dumpBinary(...values)), out);
  // the transcoder ends each value with a line break, and JSON text never holds a raw one
  return `[${out.view().toString('utf8').trimEnd().split('\n').join(',')}]\n`;
}

function cell(v: dom.Value): string {
  return v.getType() === IonTypes.STRING && !v.isNull() && v.getAnnotations().length === 0 ? v.stringValue()! : dumpText(v);
}

function table(values: dom.Value[]): string {
  if (!values.every((v) => v.getType() === IonTypes.STRUCT && !v.isNull())) {
    return renderTable(['value'], values.map((v) => ({ value: cell(v) })));
  }
  const rows = values.map((v) => {
    const row: Record<string, string> = {};
    // a struct may repeat a field name (a self join's SELECT *): each repeat gets its own column
    for (const [name, all] of v.allFields()) all.forEach((f, i) => (row[i === 0 ? name : `${name}#${i + 1}`] = cell(f)));
    return row;
  });
  return renderTable(columnsOf(rows), rows);
}

/** `3 documents (read IOs: 3, server time: 1 ms, total time: 12 ms)` */
export function statsLine(count: number, readIOs: number | undefined, serverMs: number | undefined, totalMs: number): string {
  const parts = [
    ...(readIOs !== undefined ? [`read IOs: ${readIOs}`] : []),
    ...(serverMs !== undefined ? [`server time: ${serverMs} ms`] : []),
    `total time: ${Math.round(totalMs)} ms`,
  ];
  return `${count} document${count === 1 ? '' : 's'} (${parts.join(', ')})`;
}
