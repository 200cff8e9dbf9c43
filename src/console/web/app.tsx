/**
 * The console's frame: the key prompt under --auth strict, the page menu and the ledger the
 * pages work on. Whether a key is needed is learnt the way any client learns it: an unsigned
 * ListLedgers is refused with AWS's missing-token error.
 */
import { useEffect, useState } from 'preact/hooks';
import { forgetCredentials, loadCredentials } from './api/credentials';
import { ApiError } from './api/http';
import { listLedgers, type Ledger } from './api/control';
import { href, navigate, useRoute } from './route';
import { Login } from './pages/Login';
import { Ledgers } from './pages/Ledgers';
import { Query } from './pages/Query';
import { Tables } from './pages/Tables';
import { History } from './pages/History';
import { Verification } from './pages/Verification';
import { Exports } from './pages/Exports';
import { Activity } from './pages/Activity';
import { ErrorBox } from './components/common';

const AUTH_ERRORS = new Set(['MissingAuthenticationTokenException', 'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException', 'AccessDeniedException']);

const PAGES: [string, string][] = [
  ['ledgers', 'Ledgers'],
  ['query', 'Query editor'],
  ['tables', 'Tables'],
  ['history', 'Document history'],
  ['verify', 'Verification'],
  ['exports', 'Exports'],
  ['activity', 'Activity'],
];

type Access = { state: 'checking' } | { state: 'ok'; ledgers: Ledger[] } | { state: 'login'; error?: ApiError } | { state: 'failed'; error: Error };

export function App() {
  const route = useRoute();
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  const [ledgers, setLedgers] = useState<Ledger[]>([]);

  const check = async () => {
    try {
      const list = await listLedgers();
      setLedgers(list);
      setAccess({ state: 'ok', ledgers: list });
    } catch (e) {
      if (e instanceof ApiError && AUTH_ERRORS.has(e.type)) {
        // a key that was refused is not kept: the prompt says why and asks again
        const had = loadCredentials() !== undefined;
        forgetCredentials();
        setAccess({ state: 'login', error: had ? e : undefined });
      } else setAccess({ state: 'failed', error: e as Error });
    }
  };
  useEffect(() => void check(), []);

  if (access.state === 'checking') return <p class="hint">Connecting…</p>;
  if (access.state === 'login') return <Login error={access.error} onSaved={() => void check()} />;
  if (access.state === 'failed') return <ErrorBox error={access.error} />;

  const ledger = route.params.ledger ?? (ledgers.length === 1 ? ledgers[0].Name : undefined);
  const page = PAGES.some(([p]) => p === route.page) ? route.page : 'ledgers';
  return (
    <div class="shell">
      <header>
        <a class="brand" href={href('ledgers')}>
          openqldb
        </a>
        <nav>
          {PAGES.map(([p, title]) => (
            <a key={p} href={href(p, { ledger })} class={p === page ? 'active' : ''} data-test={`nav-${p}`}>
              {title}
            </a>
          ))}
        </nav>
        <label class="ledger-pick">
          Ledger{' '}
          <select data-test="ledger-pick" value={ledger ?? ''} onChange={(e) => navigate(page, { ...route.params, ledger: (e.target as HTMLSelectElement).value })}>
            <option value="">—</option>
            {ledgers.map((l) => (
              <option key={l.Name} value={l.Name}>
                {l.Name}
              </option>
            ))}
          </select>
        </label>
        {loadCredentials() && (
          <button
            type="button"
            class="small"
            onClick={() => {
              forgetCredentials();
              setAccess({ state: 'login' });
            }}
          >
            Sign out {loadCredentials()!.accessKeyId}
          </button>
        )}
      </header>
      <main data-test={`page-${page}`}>
        {page === 'ledgers' && <Ledgers onList={setLedgers} />}
        {page === 'query' && <Query ledger={ledger} />}
        {page === 'tables' && <Tables ledger={ledger} params={route.params} />}
        {page === 'history' && <History ledger={ledger} params={route.params} />}
        {page === 'verify' && <Verification ledger={ledger} params={route.params} />}
        {page === 'exports' && <Exports ledger={ledger} params={route.params} />}
        {page === 'activity' && <Activity />}
      </main>
    </div>
  );
}
