/**
 * What changed between two revisions of a document: field by field through nested structs,
 * compared with Ion equality (type, precision and annotations count, as in the journal); a
 * list or any other value that differs is reported whole.
 */
import { dom, dumpText, IonTypes } from 'ion-js';

export interface Change {
  /** `a.b.c`; '' for the whole document */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
}

const isStruct = (v: dom.Value | undefined): v is dom.Value => v !== undefined && !v.isNull() && v.getType() === IonTypes.STRUCT && v.getAnnotations().length === 0;

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** Changes from `before` to `after`, in the order of `before`'s fields then the new ones. */
export function diffValues(before: dom.Value | undefined, after: dom.Value | undefined, path = ''): Change[] {
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return [{ path, kind: 'added', after: dumpText(after!) }];
  if (after === undefined) return [{ path, kind: 'removed', before: dumpText(before) }];
  if (isStruct(before) && isStruct(after)) {
    const changes: Change[] = [];
    const names = [...new Set([...before.fieldNames(), ...after.fieldNames()])];
    for (const name of names) changes.push(...diffValues(before.get(name) ?? undefined, after.get(name) ?? undefined, join(path, name)));
    return changes;
  }
  return before.ionEquals(after) ? [] : [{ path, kind: 'changed', before: dumpText(before), after: dumpText(after) }];
}
