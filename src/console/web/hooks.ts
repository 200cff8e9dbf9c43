import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api/http';

export interface Loaded<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
}

/** `load()` now and on `reload()`, and every `everyMs` while `keepPolling(data)` holds. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], poll?: { everyMs: number; while: (data: T) => boolean }): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => {
        if (!live) return;
        setState({ data, loading: false });
        if (poll && poll.while(data)) timer = setTimeout(reload, poll.everyMs);
      },
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload };
}

/** Runs an action once at a time, keeping its error for display. */
export function useAction(): { busy: boolean; error?: Error; run: (action: () => Promise<unknown>) => Promise<boolean>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      if (mounted.current) setError(e as Error);
      return false;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}

export function errorText(e: Error): string {
  return e instanceof ApiError ? `${e.type}: ${e.message}` : e.message;
}

export function when(epochSeconds: number | undefined): string {
  return epochSeconds === undefined ? '' : new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
