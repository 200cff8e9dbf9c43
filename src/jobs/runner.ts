/**
 * Runs background jobs (exports, imports, streams), one node at a time per job (scale-out.md §4):
 * a job is run by whoever holds its lease in the store. The runner claims jobs whose lease is
 * free or expired — at start-up, right after this node creates one, and every `pollMs` — up to
 * `concurrency` at once, renews each lease every `renewMs` while it works, and hands the kind's
 * work a `Lease` through which it records progress only while it still holds the job. A node
 * that dies stops renewing; once its leases run out another node claims its jobs and resumes
 * them from the progress they recorded.
 *
 * What a kind does lives in its `JobWork`; how a job is claimed, kept, paused at a stop, let go,
 * ended badly and waited for is decided here, once, for every kind.
 *
 * Each of the `concurrency` slots claims under an owner name of its own (`<nodeId>/<slot>`):
 * claiming again under a name that holds a lease renews that lease, so one name could never
 * hold two jobs.
 */
import type { Logger } from '../server/log';
import type { JobStore } from '../storage/stores';
import type { Job, JobKind } from './types';

/** The store's side of a kind's jobs. */
export interface Leases<J> {
  /**
   * Claims a job to run whose lease is free, `owner`'s, or expired before `expiredBefore`, for
   * `owner` until `until` (epoch ms); undefined when there is none.
   */
  claim(owner: string, until: number, expiredBefore: number): Promise<J | undefined>;
  /** Extends `owner`'s lease (0 lets it go); false when it is lost or the job has ended. */
  renew(id: string, owner: string, until: number): Promise<boolean>;
  /** Whether the job has not ended yet (whichever node runs it). */
  pending(id: string): Promise<boolean>;
}

/** What one kind of job does. */
export interface JobWork<J> {
  /** the kind in log events: `<name>.claimed`, `<name>.paused` … */
  readonly name: string;
  id(job: J): string;
  logFields(job: J): Record<string, unknown>;
  /** Does the job's work; resolves once the kind recorded the job's end. Throws to fail it. */
  run(job: J, lease: Lease): Promise<void>;
  /** The job threw `reason`: record its bad end. Called only right after the lease was renewed. */
  fail(job: J, reason: string, lease: Lease): Promise<void>;
}

/** A running job's hold on its lease, as its work sees it. */
export interface Lease {
  readonly owner: string;
  /** Whether this node still holds the lease, as far as it knows. */
  holds(): boolean;
  /** Throws (the runner handles it) when the runner is stopping or the lease is lost. */
  check(): void;
  /** The store refused a write under the lease: another node holds the job now. Throws. */
  lost(): never;
  /** Renews now and throws unless still held: before a final, visible step. */
  confirm(): Promise<void>;
  /** Waits `ms`, or less when the runner stops (for jobs that follow the journal). */
  sleep(ms: number): Promise<void>;
}

export interface JobRunnerOptions {
  concurrency: number;
  /** this server process among the nodes sharing the store */
  nodeId: string;
  /** how long a claim or renewal holds a job */
  leaseMs: number;
  /** how often a running job's lease is renewed (well within leaseMs) */
  renewMs: number;
  /** how often the store is asked for claimable jobs when nothing else prompts it */
  pollMs: number;
  /**
   * The store serves this process alone (SQLite, under the data-directory lock): a lease found
   * at start-up can only be a previous process's, and is taken over at once.
   */
  soleNode: boolean;
}

/** The runner is stopping: the job pauses where it is, and its lease is let go. */
class Stopped extends Error {}
/** Another node holds the job now (or this one can no longer be sure it does): touch nothing more. */
class LeaseLost extends Error {}

/** The leases of one kind of the generic job table. */
export function jobLeases(jobs: JobStore, kind: JobKind): Leases<Job> {
  return {
    claim: (owner, until, expiredBefore) => jobs.claim(kind, owner, until, expiredBefore),
    renew: (id, owner, until) => jobs.renew(id, owner, until),
    pending: async (id) => (await jobs.get(kind, id))?.active === true,
  };
}

class Run<J> implements Lease {
  /** the lease is held until then, as far as this node knows */
  private until: number;
  private isLost = false;
  ended = false;
  done?: Promise<void>;

  constructor(
    readonly job: J,
    readonly id: string,
    readonly owner: string,
    private readonly runner: JobRunner<J>,
    until: number,
  ) {
    this.until = until;
  }

  holds(): boolean {
    // renewals that could not reach the store leave `until` behind: past it, another node may hold the job
    if (!this.isLost && this.runner.now() >= this.until) this.markLost();
    return !this.isLost;
  }

  check(): void {
    if (!this.holds()) throw new LeaseLost();
    if (this.runner.stopping) throw new Stopped();
  }

  lost(): never {
    this.markLost();
    throw new LeaseLost();
  }

  async confirm(): Promise<void> {
    this.check();
    const until = this.runner.now() + this.runner.options.leaseMs;
    if (!(await this.runner.leases.renew(this.id, this.owner, until))) this.lost();
    this.extend(until);
  }

  sleep(ms: number): Promise<void> {
    return this.runner.sleep(ms);
  }

  extend(until: number): void {
    this.until = Math.max(this.until, until);
  }

  markLost(): void {
    if (!this.isLost) this.runner.log.warn(`${this.runner.work.name}.lease_lost`, { id: this.id, owner: this.owner });
    this.isLost = true;
  }

  get isHeld(): boolean {
    return !this.isLost;
  }
}

export class JobRunner<J> {
  private readonly slots: (Run<J> | undefined)[];
  /** @internal read by the runs */
  stopping = false;
  private readonly startedAt: number;
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /** woken whenever a job ends here, a claim round ends, or the runner stops */
  private waiters: (() => void)[] = [];
  /** sleeping jobs, woken early by stop() */
  private sleepers = new Set<() => void>();

  constructor(
    readonly leases: Leases<J>,
    readonly work: JobWork<J>,
    readonly log: Logger,
    readonly options: JobRunnerOptions,
    readonly now: () => number = Date.now,
  ) {
    this.slots = new Array<Run<J> | undefined>(Math.max(1, options.concurrency)).fill(undefined);
    this.startedAt = now();
  }

  /** Starts claiming: first the jobs left running by a stop or by a node that died. */
  start(): void {
    this.claimSoon();
  }

  /** A job was just created here: claim it now rather than at the next poll. */
  claimSoon(): void {
    if (this.stopping) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.claiming = this.claimRound().finally(() => {
      this.claiming = undefined;
      this.wake();
      if (this.stopping) return;
      if (this.claimAgain) {
        this.claimAgain = false;
        this.claimSoon();
        return;
      }
      this.pollTimer = setTimeout(() => this.claimSoon(), this.options.pollMs);
      // polling alone keeps no process alive, unless someone waits for a job (see whenIdle)
      if (this.waiters.length === 0) this.pollTimer.unref();
    });
  }

  private async claimRound(): Promise<void> {
    const { name } = this.work;
    try {
      for (let slot = 0; slot < this.slots.length && !this.stopping; slot++) {
        if (this.slots[slot]) continue;
        const owner = `${this.options.nodeId}/${slot}`;
        const now = this.now();
        // on a store of its own, a lease that ends before this process' first could have is a
        // previous process'; a lease this process took ends after that
        const expiredBefore = this.options.soleNode ? Math.max(now, this.startedAt + this.options.leaseMs) : now;
        const job = await this.leases.claim(owner, now + this.options.leaseMs, expiredBefore);
        if (!job) break;
        const id = this.work.id(job);
        if (this.stopping) {
          await this.release(id, owner);
          break;
        }
        this.begin(slot, new Run(job, id, owner, this, now + this.options.leaseMs));
      }
    } catch (e) {
      this.log.warn(`${name}.claim_failed`, { message: String((e as Error)?.message ?? e) });
    }
  }

  private begin(slot: number, run: Run<J>): void {
    this.slots[slot] = run;
    this.log.info(`${this.work.name}.claimed`, { ...this.work.logFields(run.job), owner: run.owner });
    const renewal = setInterval(() => void this.renew(run), this.options.renewMs);
    renewal.unref();
    run.done = this.run(run).finally(() => {
      run.ended = true;
      clearInterval(renewal);
      this.slots[slot] = undefined;
      this.wake();
      this.claimSoon();
    });
  }

  private async renew(run: Run<J>): Promise<void> {
    if (!run.isHeld || run.ended) return;
    const until = this.now() + this.options.leaseMs;
    try {
      const held = await this.leases.renew(run.id, run.owner, until);
      if (run.ended) return;
      if (held) run.extend(until);
      else run.markLost();
    } catch (e) {
      // the lease may still be held: the next renewal or the next write under it tells
      this.log.warn(`${this.work.name}.renew_failed`, { id: run.id, message: String((e as Error)?.message ?? e) });
    }
  }

  /** Lets another node (or this one's next start) claim a paused job at once. */
  private async release(id: string, owner: string): Promise<void> {
    try {
      await this.leases.renew(id, owner, 0);
    } catch {
      // it runs out on its own
    }
  }

  private async run(run: Run<J>): Promise<void> {
    const { name } = this.work;
    try {
      await this.work.run(run.job, run);
    } catch (e) {
      if (e instanceof Stopped) {
        await this.release(run.id, run.owner);
        this.log.info(`${name}.paused`, { id: run.id });
        return;
      }
      if (e instanceof LeaseLost) {
        this.log.info(`${name}.left`, { id: run.id, owner: run.owner });
        return;
      }
      // a sink's or a client's error code says more than its class name
      const err = e as { code?: unknown; name?: string; message?: string };
      const reason = `${typeof err?.code === 'string' ? err.code : (err?.name ?? 'Error')}: ${err?.message ?? String(e)}`;
      try {
        // only the lease's holder decides a job's end
        if (run.isHeld) {
          const until = this.now() + this.options.leaseMs;
          if (await this.leases.renew(run.id, run.owner, until)) {
            run.extend(until);
            await this.work.fail(run.job, reason, run);
          }
        }
      } catch (e2) {
        // the store is unreachable: the job stays as it was, and is claimed again once its lease runs out
        this.log.error(`${name}.failed`, { ...this.work.logFields(run.job), reason, store: String((e2 as Error)?.message ?? e2) });
      }
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  /** @internal a job's Lease.sleep */
  sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private running(id: string): boolean {
    return this.slots.some((r) => r?.id === id);
  }

  /**
   * Resolves once the job has ended and is not running here, or once this runner stops: tests
   * and benchmarks wait on it. Another node may be the one running it.
   */
  async whenIdle(id: string): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      if (!this.running(id) && (!(await this.leases.pending(id)) || this.stopping)) return;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        this.pollTimer?.ref();
      });
    }
  }

  /** Stops claiming; running jobs pause at their next step, their leases let go. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    for (const wake of [...this.sleepers]) wake();
    await this.claiming;
    await Promise.allSettled(this.slots.map((r) => r?.done));
    this.wake();
  }
}

/**
 * How a lease of `leaseMs` is kept: renewed every third of it (two renewals may fail before it
 * runs out), and claimable jobs looked for every half of it, at most every 5 s.
 */
export function leaseTimings(leaseMs: number): Pick<JobRunnerOptions, 'leaseMs' | 'renewMs' | 'pollMs'> {
  return { leaseMs, renewMs: Math.max(1, Math.floor(leaseMs / 3)), pollMs: Math.max(1, Math.min(5_000, Math.floor(leaseMs / 2))) };
}
