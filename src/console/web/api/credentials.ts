/**
 * The key the console signs with under --auth strict. It lives in this tab's sessionStorage
 * only: gone when the tab closes, never in localStorage, a cookie or the URL.
 */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
}

const KEY = 'openqldb.credentials';

export function loadCredentials(): Credentials | undefined {
  const text = sessionStorage.getItem(KEY);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Credentials;
  } catch {
    return undefined;
  }
}

export function saveCredentials(c: Credentials): void {
  sessionStorage.setItem(KEY, JSON.stringify(c));
}

export function forgetCredentials(): void {
  sessionStorage.removeItem(KEY);
}
