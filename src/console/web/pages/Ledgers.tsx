/** Ledgers: list, create, update, delete; the list refreshes itself while one is CREATING or DELETING. */
import { useEffect, useState } from 'preact/hooks';
import { createLedger, deleteLedger, describeLedger, listLedgers, updateLedger, updatePermissionsMode, type Ledger } from '../api/control';
import { ErrorBox, ListTable, Field } from '../components/common';
import { Check, Choice, FormCard, TextField, useForm } from '../components/forms';
import { useAction, useLoad, when } from '../hooks';
import { parseTags } from '../model/tags';
import { href } from '../route';

const settling = (ls: Ledger[]) => ls.some((l) => l.State === 'CREATING' || l.State === 'DELETING');

/** ListLedgers gives names and states only: the rest is each ledger's DescribeLedger. */
async function describedLedgers(): Promise<Ledger[]> {
  return Promise.all((await listLedgers()).map((l) => describeLedger(l.Name).catch(() => l)));
}

/** `onList` hears every list loaded, so the ledger picker follows what this page shows. */
export function Ledgers({ onList }: { onList: (ledgers: Ledger[]) => void }) {
  const list = useLoad(describedLedgers, [], { everyMs: 500, while: settling });
  useEffect(() => void (list.data && onList(list.data)), [list.data]);
  const action = useAction();
  const [editing, setEditing] = useState<string>();
  return (
    <section>
      <h1>Ledgers</h1>
      <ErrorBox error={list.error} />
      <ErrorBox error={action.error} test="ledger-error" />
      <ListTable test="ledgers" columns={['Name', 'State', 'Created', 'Permissions mode', 'Deletion protection', '']}>
          {(list.data ?? []).map((l) => (
            <tr key={l.Name} data-test={`ledger-${l.Name}`}>
              <td>
                <a href={href('query', { ledger: l.Name })}>{l.Name}</a>
              </td>
              <td data-test="state" class={`state state-${l.State}`}>
                {l.State}
              </td>
              <td>{when(l.CreationDateTime)}</td>
              <td>{l.PermissionsMode}</td>
              <td>{l.DeletionProtection ? 'on' : 'off'}</td>
              <td class="actions">
                <button type="button" class="small" onClick={() => setEditing(editing === l.Name ? undefined : l.Name)} data-test="edit">
                  Edit
                </button>
                <button
                  type="button"
                  class="small danger"
                  data-test="delete"
                  disabled={l.State !== 'ACTIVE'}
                  onClick={() => confirm(`Delete ledger ${l.Name}? Its journal is gone for good.`) && void action.run(() => deleteLedger(l.Name)).then(list.reload)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
      </ListTable>
      {list.data && !list.data.length && <p class="hint">No ledgers yet: create one below.</p>}
      {editing && list.data?.find((l) => l.Name === editing) && (
        <UpdateForm ledger={list.data.find((l) => l.Name === editing)!} onDone={() => (setEditing(undefined), list.reload())} />
      )}
      <CreateForm onCreated={list.reload} />
    </section>
  );
}

const MODES = ['STANDARD', 'ALLOW_ALL'];

function CreateForm({ onCreated }: { onCreated: () => void }) {
  const [form, set, reset] = useForm({ name: '', mode: 'STANDARD', protection: true, kms: '', tags: '' });
  return (
    <FormCard
      title="Create a ledger"
      test="create-ledger"
      submit="Create ledger"
      onSubmit={() =>
        createLedger({
          Name: form.name,
          PermissionsMode: form.mode,
          DeletionProtection: form.protection,
          KmsKey: form.kms || undefined,
          Tags: form.tags.trim() ? parseTags(form.tags) : undefined,
        })
      }
      onDone={() => (reset({ name: '', tags: '' }), onCreated())}
    >
      <div class="row">
        <TextField label="Name" name="name" required pattern="[A-Za-z0-9\-]{1,32}" value={form.name} onInput={set('name')} />
        <Choice label="Permissions mode" name="mode" options={MODES} value={form.mode} onChange={set('mode')} />
        <TextField label="KMS key (optional)" name="kms" placeholder="AWS_OWNED_KMS_KEY or a key ARN" value={form.kms} onInput={set('kms')} />
        <Check label="Deletion protection" name="protection" checked={form.protection} onChange={set('protection')} />
      </div>
      <Field label="Tags (key=value, one a line)">
        <textarea name="tags" rows={2} value={form.tags} onInput={set('tags')} />
      </Field>
    </FormCard>
  );
}

function UpdateForm({ ledger, onDone }: { ledger: Ledger; onDone: () => void }) {
  const [form, set] = useForm({ protection: !!ledger.DeletionProtection, mode: ledger.PermissionsMode ?? 'STANDARD', kms: '' });
  return (
    <FormCard
      title={`Update ${ledger.Name}`}
      test="update-ledger"
      submit="Save"
      onSubmit={async () => {
        await updateLedger(ledger.Name, { DeletionProtection: form.protection, KmsKey: form.kms || undefined });
        if (form.mode !== ledger.PermissionsMode) await updatePermissionsMode(ledger.Name, form.mode);
      }}
      onDone={onDone}
    >
      <div class="row">
        <Check label="Deletion protection" name="protection" checked={form.protection} onChange={set('protection')} />
        <Choice label="Permissions mode" name="mode" options={MODES} value={form.mode} onChange={set('mode')} />
        <TextField label={`KMS key (now ${ledger.EncryptionDescription?.KmsKeyArn ?? '—'})`} name="kms" placeholder="unchanged" value={form.kms} onInput={set('kms')} />
      </div>
    </FormCard>
  );
}
