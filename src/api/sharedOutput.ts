/**
 * Outputs that several requests share. A DescribeLedger of an unchanged ledger, a digest at the
 * same tip or the description of an export that has not moved are the same answer every time,
 * so they are built once per the object they describe — which their owners replace rather than
 * change (LedgerService's ledgers, the journal store's tips, the export store's jobs) — and
 * frozen all the way down, which lets the front door encode them once too (sendResult). What
 * else `make` needs comes as context; it must not change the answer for the same key.
 */
export function sharedPer<K extends object, T extends object, A extends unknown[] = []>(
  make: (key: K, ...context: A) => T,
): (key: K, ...context: A) => Readonly<T> {
  const made = new WeakMap<K, Readonly<T>>();
  return (key, ...context) => {
    let output = made.get(key);
    if (!output) made.set(key, (output = deepFreeze(make(key, ...context))));
    return output;
  };
}

/**
 * sharedPer for a list of shared objects: one answer for as long as a list holds the same objects
 * in the same order, even when the list is a new array each time (a store hands out a copy of a
 * cached result). Objects read afresh (from a store that keeps no copies, or after a change) make
 * a new answer.
 */
export function sharedPerList<K extends object, T extends object>(make: (items: readonly K[]) => T): (items: readonly K[]) => Readonly<T> {
  const byFirst = new WeakMap<K, { items: readonly K[]; output: Readonly<T> }>();
  let empty: Readonly<T> | undefined;
  return (items) => {
    if (items.length === 0) return (empty ??= deepFreeze(make(items)));
    const hit = byFirst.get(items[0]);
    if (hit && hit.items.length === items.length && hit.items.every((k, i) => k === items[i])) return hit.output;
    const output = deepFreeze(make(items));
    byFirst.set(items[0], { items: items.slice(), output });
    return output;
  };
}

/** Freezes plain objects and arrays; Dates and bytes cannot be, and no one changes them. */
function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) {
    if (v !== null && typeof v === 'object' && !(v instanceof Date) && !ArrayBuffer.isView(v)) deepFreeze(v);
  }
  return Object.freeze(value);
}
