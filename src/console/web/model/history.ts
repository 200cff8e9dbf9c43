/** Statements run, per ledger, in this browser's localStorage (never sent anywhere). */
export interface HistoryEntry {
  text: string;
  at: number;
}

const LIMIT = 50;
const key = (ledger: string) => `openqldb.history.${ledger}`;

export function loadHistory(ledger: string): HistoryEntry[] {
  try {
    return JSON.parse(localStorage.getItem(key(ledger)) ?? '[]') as HistoryEntry[];
  } catch {
    return [];
  }
}

export function remember(ledger: string, text: string): HistoryEntry[] {
  const entries = [{ text, at: Date.now() }, ...loadHistory(ledger).filter((e) => e.text !== text)].slice(0, LIMIT);
  localStorage.setItem(key(ledger), JSON.stringify(entries));
  return entries;
}
