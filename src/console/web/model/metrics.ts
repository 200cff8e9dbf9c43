/** The few samples of the Prometheus text at /metrics that the Activity page charts. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Sessions' commits answered so far: the session API's CommitTransaction requests that succeeded. */
export function committedTransactions(samples: readonly Sample[]): number {
  return samples
    .filter((s) => s.name === 'openqldb_requests_total' && s.labels.api === 'session' && s.labels.operation === 'CommitTransaction' && s.labels.status === '200')
    .reduce((n, s) => n + s.value, 0);
}
