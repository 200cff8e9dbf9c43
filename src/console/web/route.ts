/** Pages live in the URL's hash (`#/query?ledger=orders`), so a reload or a shared link lands on the same page. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  params: Record<string, string>;
}

export function parseRoute(hash: string): Route {
  const [path, query] = hash.replace(/^#\/?/, '').split('?');
  return { page: path || 'ledgers', params: Object.fromEntries(new URLSearchParams(query ?? '')) };
}

export function href(page: string, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}

export function navigate(page: string, params: Record<string, string | undefined> = {}): void {
  location.hash = href(page, params);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
