/**
 * Copy-on-write edits of a document along a path, for SET, REMOVE and INSERT INTO … AT. Only the
 * containers on the path are rebuilt; every untouched subtree is shared with the old revision,
 * which stays intact (it is still the committed revision until the transaction commits).
 */
import { dom, IonTypes } from 'ion-js';
import type { IonValue } from './ledgerView';
import { StatementError } from './ledgerView';

export type PathKey = string | number;

function withField(container: IonValue, name: string, value: IonValue | undefined): IonValue {
  const fields: [string, IonValue[]][] = [];
  let replaced = false;
  for (const [fieldName, values] of container.allFields()) {
    if (fieldName !== name) fields.push([fieldName, [...values]]);
    else if (value !== undefined && !replaced) {
      fields.push([fieldName, [value]]);
      replaced = true;
    }
  }
  if (value !== undefined && !replaced) fields.push([name, [value]]);
  return new dom.Struct(fields, container.getAnnotations());
}

function withElement(container: IonValue, index: number, value: IonValue | undefined, insert = false): IonValue {
  const items = [...container.elements()];
  if (value === undefined) items.splice(index, 1);
  else if (insert) items.splice(index, 0, value);
  else items[index] = value;
  return container.getType() === IonTypes.SEXP
    ? new dom.SExpression(items, container.getAnnotations())
    : new dom.List(items, container.getAnnotations());
}

function isSequence(v: IonValue): boolean {
  return !v.isNull() && (v.getType() === IonTypes.LIST || v.getType() === IonTypes.SEXP);
}

function isStruct(v: IonValue): boolean {
  return !v.isNull() && v.getType() === IonTypes.STRUCT;
}

function describe(keys: PathKey[]): string {
  return keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
}

/**
 * SET: replaces or creates the value at the path. Missing intermediate fields become structs,
 * as PartiQL's UPDATE does; stepping into a scalar is an error.
 */
export function setAt(doc: IonValue, keys: PathKey[], value: IonValue, all: PathKey[] = keys): IonValue {
  const [key, ...rest] = keys;
  if (typeof key === 'string') {
    if (!isStruct(doc)) throw new StatementError(`Cannot set '${describe(all)}': the path goes through a value that is not a struct`);
    if (rest.length === 0) return withField(doc, key, value);
    const child = doc.get(key) ?? new dom.Struct([]);
    return withField(doc, key, setAt(child, rest, value, all));
  }
  if (!isSequence(doc)) throw new StatementError(`Cannot set '${describe(all)}': the path indexes a value that is not a list`);
  const length = doc.elements().length;
  if (key < 0 || key > length || (key === length && rest.length > 0)) {
    throw new StatementError(`Cannot set '${describe(all)}': index ${key} is out of bounds`);
  }
  if (rest.length === 0) return withElement(doc, key, value, key === length);
  return withElement(doc, key, setAt(doc.elements()[key], rest, value, all));
}

/** REMOVE: drops the value at the path; a path that leads nowhere leaves the document as it is. */
export function removeAt(doc: IonValue, keys: PathKey[]): IonValue {
  const [key, ...rest] = keys;
  if (typeof key === 'string') {
    if (!isStruct(doc)) return doc;
    const child = doc.get(key);
    if (child === null) return doc;
    return withField(doc, key, rest.length === 0 ? undefined : removeAt(child, rest));
  }
  if (!isSequence(doc)) return doc;
  const items = doc.elements();
  if (key < 0 || key >= items.length) return doc;
  return withElement(doc, key, rest.length === 0 ? undefined : removeAt(items[key], rest));
}

/**
 * INSERT INTO path VALUE v [AT k]: appends to a list (or inserts at position k), or adds field k
 * to a struct. The container must already exist.
 */
export function insertAt(doc: IonValue, keys: PathKey[], value: IonValue, at: PathKey | undefined): IonValue {
  const container = keys.length === 0 ? doc : getAt(doc, keys);
  if (container === undefined) throw new StatementError(`Cannot insert into '${describe(keys)}': no such path`);
  let updated: IonValue;
  if (isSequence(container)) {
    const length = container.elements().length;
    const index = at === undefined ? length : at;
    if (typeof index !== 'number' || index < 0 || index > length) {
      throw new StatementError(`Cannot insert into '${describe(keys)}': AT must be a position from 0 to ${length}`);
    }
    updated = withElement(container, index, value, true);
  } else if (isStruct(container)) {
    if (typeof at !== 'string') throw new StatementError(`Inserting into struct '${describe(keys)}' needs AT 'fieldName'`);
    if (container.get(at) !== null) throw new StatementError(`Cannot insert into '${describe(keys)}': field '${at}' already exists`);
    updated = withField(container, at, value);
  } else {
    throw new StatementError(`Cannot insert into '${describe(keys)}': it is neither a list nor a struct`);
  }
  return keys.length === 0 ? updated : setAt(doc, keys, updated);
}

function getAt(doc: IonValue, keys: PathKey[]): IonValue | undefined {
  let current: IonValue | undefined = doc;
  for (const key of keys) {
    if (current === undefined) return undefined;
    if (typeof key === 'string') current = isStruct(current) ? current.get(key) ?? undefined : undefined;
    else current = isSequence(current) ? current.elements()[key] : undefined;
  }
  return current;
}
