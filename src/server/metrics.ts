/**
 * The server's Prometheus metrics, served at GET /metrics in the text exposition format.
 *
 * prom-client's index pulls in OpenTelemetry, the push gateway and summaries, which took
 * 120-160 ms to load — more than the whole rest of start-up. The server needs only the registry,
 * counters, gauges and histograms, so it loads those modules of the pinned version directly;
 * the process metrics (CPU, memory, event loop) are registered on the first scrape, paid for by
 * the scraper rather than by every start.
 */
import type { Counter as CounterT, Gauge as GaugeT, Histogram as HistogramT, Registry as RegistryT } from 'prom-client';

const Registry = require('prom-client/lib/registry') as typeof RegistryT;
const Counter = require('prom-client/lib/counter') as typeof CounterT;
const Gauge = require('prom-client/lib/gauge') as typeof GaugeT;
const Histogram = require('prom-client/lib/histogram') as typeof HistogramT;

export type Api = 'control' | 'session' | 'ops';

/** Live counts read at scrape time from the services that own them. */
export interface MetricsSources {
  /** active sessions and open transactions, per ledger name */
  sessionsByLedger(): Iterable<{ ledger: string; sessions: number; transactions: number }>;
  /** visible export jobs, per status (read from the store, which other nodes share) */
  exportJobsByState(): Iterable<{ state: string; count: number }> | Promise<Iterable<{ state: string; count: number }>>;
  /** visible journal streams, per status (read from the store) */
  streamJobsByState?(): Promise<Iterable<{ state: string; count: number }>>;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry: RegistryT = new Registry();
  private readonly requests = new Counter({
    name: 'openqldb_requests_total',
    help: 'Requests answered, by API, operation (session command for the session API) and HTTP status',
    labelNames: ['api', 'operation', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'openqldb_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by API and operation',
    labelNames: ['api', 'operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: 'openqldb_commit_batch_size',
    help: 'Transactions written by one group commit (one storage transaction and one fsync)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });
  private readonly fsyncLatency = new Histogram({
    name: 'openqldb_fsync_duration_seconds',
    help: 'Time to make one commit batch durable (fsync of the write-ahead log)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly conflicts = new Counter({
    name: 'openqldb_occ_conflicts_total',
    help: 'Commits refused with OccConflictException, by ledger',
    labelNames: ['ledger'] as const,
    registers: [this.registry],
  });
  private readonly exportedBytes = new Counter({
    name: 'openqldb_exported_bytes_total',
    help: 'Bytes of journal export data objects written to their sink',
    registers: [this.registry],
  });
  private readonly exportedObjects = new Counter({
    name: 'openqldb_exported_objects_total',
    help: 'Journal export data objects written to their sink',
    registers: [this.registry],
  });
  private processMetrics = false;

  constructor(sources: MetricsSources) {
    new Gauge({
      name: 'openqldb_active_sessions',
      help: 'Active sessions of the session API, by ledger',
      labelNames: ['ledger'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const l of sources.sessionsByLedger()) this.set({ ledger: l.ledger }, l.sessions);
      },
    });
    new Gauge({
      name: 'openqldb_active_transactions',
      help: 'Open transactions, by ledger',
      labelNames: ['ledger'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const l of sources.sessionsByLedger()) this.set({ ledger: l.ledger }, l.transactions);
      },
    });
    new Gauge({
      name: 'openqldb_export_jobs',
      help: 'Journal export jobs still visible (running, or finished within the retention), by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const jobs = await sources.exportJobsByState();
        this.reset();
        // every state is present, so a dashboard can tell zero from missing
        for (const state of ['IN_PROGRESS', 'COMPLETED', 'CANCELLED']) this.set({ state }, 0);
        for (const j of jobs) this.set({ state: j.state }, j.count);
      },
    });
    const streams = sources.streamJobsByState?.bind(sources);
    if (streams) {
      new Gauge({
        name: 'openqldb_stream_jobs',
        help: 'Journal streams to Kinesis still visible (running, or finished within the retention), by status',
        labelNames: ['state'] as const,
        registers: [this.registry],
        async collect() {
          const jobs = await streams();
          this.reset();
          for (const state of ['ACTIVE', 'IMPAIRED', 'COMPLETED', 'CANCELED', 'FAILED']) this.set({ state }, 0);
          for (const j of jobs) this.set({ state: j.state }, j.count);
        },
      });
    }
  }

  request(api: Api, operation: string, status: number, seconds: number): void {
    this.requests.inc({ api, operation, status });
    this.latency.observe({ api, operation }, seconds);
  }

  commitBatch(transactions: number, fsyncSeconds: number | undefined): void {
    this.batchSize.observe(transactions);
    if (fsyncSeconds !== undefined) this.fsyncLatency.observe(fsyncSeconds);
  }

  occConflict(ledger: string): void {
    this.conflicts.inc({ ledger });
  }

  exportedObject(bytes: number): void {
    this.exportedObjects.inc();
    this.exportedBytes.inc(bytes);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    if (!this.processMetrics) {
      this.processMetrics = true;
      const collectDefaultMetrics = require('prom-client/lib/defaultMetrics') as (o: object) => void;
      collectDefaultMetrics({ register: this.registry, prefix: 'openqldb_' });
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
