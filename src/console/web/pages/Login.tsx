/** The key for --auth strict: checked by signing a ListLedgers with it, kept in this tab only. */
import { saveCredentials } from '../api/credentials';
import { ErrorBox } from '../components/common';
import { TextField, useForm } from '../components/forms';

export function Login({ error, onSaved }: { error?: Error; onSaved: () => void }) {
  const [form, set] = useForm({ accessKeyId: '', secretAccessKey: '', sessionToken: '', region: 'us-east-1' });
  return (
    <form
      class="login card"
      data-test="login"
      onSubmit={(e) => {
        e.preventDefault();
        saveCredentials({ ...form, sessionToken: form.sessionToken || undefined });
        onSaved();
      }}
    >
      <h1>Sign in to openqldb</h1>
      <p class="hint">
        This server checks a SigV4 signature on every request (--auth strict). Enter an access key it knows; the console signs each request in this tab
        with it and keeps it in this tab's session storage only.
      </p>
      <ErrorBox error={error} test="login-error" />
      <TextField label="Access key id" name="accessKeyId" required autocomplete="username" value={form.accessKeyId} onInput={set('accessKeyId')} />
      <TextField label="Secret access key" name="secretAccessKey" type="password" required autocomplete="current-password" value={form.secretAccessKey} onInput={set('secretAccessKey')} />
      <TextField label="Session token (optional)" name="sessionToken" value={form.sessionToken} onInput={set('sessionToken')} />
      <TextField label="Region" name="region" required value={form.region} onInput={set('region')} />
      <button type="submit" data-test="login-submit">
        Sign in
      </button>
    </form>
  );
}
