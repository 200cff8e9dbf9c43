/**
 * The Activity page's series: every few seconds the server-wide count of committed transactions
 * (from /metrics) and each ledger's journal length (its digest tip's sequence number + 1, from
 * GetDigest); rates are differences between consecutive samples. Each committed transaction
 * appends one block, so a ledger's blocks per second are its commits per second.
 */
export interface Sample {
  at: number;
  /** committed transactions so far, all ledgers; undefined without /metrics */
  commits?: number;
  /** journal blocks per ledger */
  blocks: Record<string, number>;
}

export interface Point {
  at: number;
  value: number;
}

export const WINDOW_MS = 10 * 60_000;

export function addSample(samples: Sample[], s: Sample): Sample[] {
  return [...samples, s].filter((x) => x.at >= s.at - WINDOW_MS);
}

/** Per-second rate of `read` between consecutive samples where both have it. */
export function rate(samples: readonly Sample[], read: (s: Sample) => number | undefined): Point[] {
  const out: Point[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = read(samples[i - 1]);
    const b = read(samples[i]);
    const dt = (samples[i].at - samples[i - 1].at) / 1000;
    if (a === undefined || b === undefined || dt <= 0) continue;
    // a restarted server starts its counters again: a drop is not negative activity
    out.push({ at: samples[i].at, value: Math.max(0, b - a) / dt });
  }
  return out;
}

export function level(samples: readonly Sample[], read: (s: Sample) => number | undefined): Point[] {
  return samples.flatMap((s) => {
    const v = read(s);
    return v === undefined ? [] : [{ at: s.at, value: v }];
  });
}
