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

/** Freezes plain objects and arrays; Dates and bytes cannot be, and no one changes them. */
function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) {
    if (v !== null && typeof v === 'object' && !(v instanceof Date) && !ArrayBuffer.isView(v)) deepFreeze(v);
  }
  return Object.freeze(value);
}
