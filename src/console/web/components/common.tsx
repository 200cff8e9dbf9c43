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

export function Copy({ text, label = 'Copy' }: { text: string; label?: string }) {
  return (
    <button type="button" class="small" onClick={() => void navigator.clipboard?.writeText(text)}>
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
