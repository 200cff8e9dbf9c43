/** Commits per second and journal length per ledger over the last minutes, sampled while this page is open. */
import { useEffect, useState } from 'preact/hooks';
import { getDigest, listLedgers } from '../api/control';
import { ApiError, send } from '../api/http';
import { Chart } from '../components/Chart';
import { ErrorBox } from '../components/common';
import { addSample, level, rate, type Sample } from '../model/activity';
import { ionOf } from '../model/ion';
import { committedTransactions, parseMetrics } from '../model/metrics';

const EVERY_MS = 2000;
// kept across visits to the page, so coming back shows the minutes already seen
let kept: Sample[] = [];

async function metricsCommits(): Promise<number | undefined> {
  const res = await send({ method: 'GET', path: '/metrics' });
  if (res.status === 404) return undefined; // --metrics false
  if (!res.ok) throw new ApiError(res.headers.get('x-amzn-errortype')?.split(':')[0] ?? 'Error', `GET /metrics answered ${res.status}`, res.status);
  return committedTransactions(parseMetrics(await res.text()));
}

/** Ledgers are listed anew each time: one created or settled meanwhile joins the chart. */
async function sample(): Promise<Sample> {
  const blocks: Record<string, number> = {};
  await Promise.all(
    (await listLedgers())
      .filter((l) => l.State === 'ACTIVE')
      .map(async (l) => {
        const d = await getDigest(l.Name).catch(() => undefined);
        if (d) blocks[l.Name] = Number(ionOf(d.DigestTipAddress.IonText).get('sequenceNo')?.numberValue()) + 1;
      }),
  );
  return { at: Date.now(), commits: await metricsCommits(), blocks };
}

export function Activity() {
  const [samples, setSamples] = useState<Sample[]>(kept);
  const [error, setError] = useState<Error>();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        const s = await sample();
        kept = addSample(kept, s);
        if (live) (setSamples(kept), setError(undefined));
      } catch (e) {
        if (live) setError(e as Error);
      }
      if (live) timer = setTimeout(tick, EVERY_MS);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.blocks)))].sort();
  const noMetrics = samples.length > 0 && samples[samples.length - 1].commits === undefined;
  return (
    <section>
      <h1>Activity</h1>
      <p class="hint">Sampled every {EVERY_MS / 1000} s while this page is open, for up to 10 minutes: commits from the server's /metrics, journal lengths from each ledger's digest.</p>
      <ErrorBox error={error} />
      {noMetrics && <p class="hint">This server does not serve /metrics (--metrics false): the server-wide line is missing.</p>}
      <div class="charts">
        <Chart
          title="Commits per second"
          unit="/s"
          series={[
            ...(noMetrics ? [] : [{ name: 'all ledgers (metrics)', points: rate(samples, (s) => s.commits) }]),
            ...names.map((n) => ({ name: n, points: rate(samples, (s) => s.blocks[n]) })),
          ]}
        />
        <Chart title="Journal length (blocks)" unit="blocks" series={names.map((n) => ({ name: n, points: level(samples, (s) => s.blocks[n]) }))} />
      </div>
    </section>
  );
}
