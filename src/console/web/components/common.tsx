import type { ComponentChildren } from 'preact';
import { errorText } from '../hooks';

export function ErrorBox({ error, test = 'error' }: { error?: Error; test?: string }) {
  if (!error) return null;
  return (
    <div class="error" role="alert" data-test={test}>
      {errorText(error)}
    </div>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

export function NeedLedger({ ledger }: { ledger?: string }) {
  return ledger ? null : <p class="hint">Choose a ledger above.</p>;
}

/** The Clipboard API exists only in secure contexts (HTTPS, localhost); plain HTTP elsewhere falls back to a selection. */
function copyText(text: string): void {
  if (navigator.clipboard) {
    void navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

export function Copy({ text, label = 'Copy' }: { text: string; label?: string }) {
  return (
    <button type="button" class="small" onClick={() => copyText(text)}>
      {label}
    </button>
  );
}

/** A list of resources: a header row of `columns`, rows as children. */
export function ListTable({ test, columns, children }: { test: string; columns: string[]; children: ComponentChildren }) {
  return (
    <table class="list" data-test={test}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i}>{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
