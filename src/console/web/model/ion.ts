/** Ion values for people: pretty Ion text, and one-line text for table cells. */
import { dom, dumpText, IonTypes, load, makePrettyWriter } from 'ion-js';

export function prettyIon(values: readonly dom.Value[]): string {
  const w = makePrettyWriter(2);
  for (const v of values) v.writeTo(w);
  w.close();
  return new TextDecoder().decode(w.getBytes());
}

/** A string cell shows bare, as the QLDB console did; everything else as Ion text. */
export function cellText(v: dom.Value): string {
  return v.getType() === IonTypes.STRING && !v.isNull() && v.getAnnotations().length === 0 ? v.stringValue()! : dumpText(v);
}

export function isContainer(v: dom.Value): boolean {
  return !v.isNull() && (v.getType() === IonTypes.STRUCT || v.getType() === IonTypes.LIST || v.getType() === IonTypes.SEXP);
}

/** Ion text of one value (a block address, a digest tip) read back as a value. */
export function ionOf(text: string): dom.Value {
  const v = load(text);
  if (!v) throw new Error('no Ion value');
  return v;
}

/** `{strandId:"…",sequenceNo:n}` as QLDB writes block addresses. */
export function blockAddressText(v: dom.Value): string {
  return `{strandId:${JSON.stringify(String(v.get('strandId')?.stringValue()))},sequenceNo:${Number(v.get('sequenceNo')?.numberValue())}}`;
}
