/** Form pieces every page's forms are made of: one state object per form, labelled fields, a card that runs its submit. */
import type { ComponentChildren, InputHTMLAttributes, SelectHTMLAttributes } from 'preact';
import { useState } from 'preact/hooks';
import { useAction } from '../hooks';
import { ErrorBox, Field } from './common';

/** A form's values and a handler per field that takes what the user typed or picked. */
export function useForm<T extends Record<string, string | boolean>>(initial: T): [T, (key: keyof T) => (e: Event) => void, (next: Partial<T>) => void] {
  const [form, setForm] = useState(initial);
  const set = (key: keyof T) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setForm((f) => ({ ...f, [key]: el.type === 'checkbox' ? el.checked : el.value }));
  };
  return [form, set, (next) => setForm((f) => ({ ...f, ...next }))];
}

export function TextField({ label, ...input }: { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label}>
      <input {...input} />
    </Field>
  );
}

export function Choice({ label, options, ...select }: { label: string; options: readonly string[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Field label={label}>
      <select {...select}>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </Field>
  );
}

export function Check({ label, name, checked, onChange }: { label: string; name: string; checked: boolean; onChange: (e: Event) => void }) {
  return (
    <label class="check">
      <input type="checkbox" name={name} checked={checked} onChange={onChange} /> {label}
    </label>
  );
}

/** A form in a card: submitting runs `onSubmit` once at a time, shows its error, and calls `onDone` after it succeeds. */
export function FormCard(props: { title: string; test: string; submit: string; onSubmit: () => Promise<unknown>; onDone?: () => void; children: ComponentChildren }) {
  const action = useAction();
  return (
    <form
      class="card"
      data-test={props.test}
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(props.onSubmit).then((ok) => ok && props.onDone?.());
      }}
    >
      <h2>{props.title}</h2>
      <ErrorBox error={action.error} test={`${props.test}-error`} />
      {props.children}
      <button type="submit" disabled={action.busy} data-test={`${props.test}-submit`}>
        {props.submit}
      </button>
    </form>
  );
}
