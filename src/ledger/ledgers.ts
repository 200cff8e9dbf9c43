/**
 * Ledgers: creation, states, deletion protection, the per-account quota, and the hooks through
 * which the journal and exports follow a ledger's life.
 *
 * States settle lazily: a CREATING ledger becomes ACTIVE once its `stateUntil` has passed, the
 * first time anyone looks (and a timer makes sure a DELETING ledger's data is purged even when
 * nobody looks). Hot paths pay only a comparison with the next pending change.
 *
 * Ledgers are few (a handful per account), read on every request and written rarely, so this
 * service keeps all of them in memory and writes through to the store. When the store is shared
 * by several nodes, `refresh` (on a timer) brings in what the others changed.
 */
import type { Caller } from '../api/types';
import type { Config } from '../config';
import type { LedgerRow, PermissionsMode } from '../storage/store';
import type { AsyncLedgerStore } from '../storage/stores';
import { newId } from '../journal/ids';
import {
  limitExceeded,
  resourceAlreadyExists,
  resourceNotFound,
  resourcePreconditionNotMet,
} from '../server/errors';
import { kmsKeyArnOf, ledgerArn } from './arn';
import { checkTags } from './tags';

export const AWS_OWNED_KMS_KEY = 'AWS_OWNED_KMS_KEY';

export interface Ledger extends LedgerRow {
  arn: string;
  creationDateTime: Date;
}

export interface LedgerHooks {
  /** Runs once the ledger is stored (e.g. the journal writes its genesis block); awaited before CreateLedger answers. */
  created: ((ledger: Ledger) => void | Promise<void>)[];
  /** May throw (or reject) to refuse a deletion (e.g. ResourceInUse while an export runs). */
  beforeDelete: ((ledger: Ledger) => void | Promise<void>)[];
  /** Runs when a ledger is gone for good, before its row is removed. */
  gone: ((ledger: Ledger) => void | Promise<void>)[];
}

export interface CreateLedgerRequest {
  name: string;
  permissionsMode: PermissionsMode;
  deletionProtection?: boolean;
  kmsKey?: string;
  tags?: Record<string, string>;
}

const nameKey = (accountId: string, region: string, name: string) => `${accountId}\u0000${region}\u0000${name}`;

const notFound = (name: string) => resourceNotFound('LEDGER', name, `The ledger ${name} does not exist`);

/** The key to record for a KmsKey argument the model admitted (undefined = AWS-owned). */
function kmsKeyOf(value: string | undefined, region: string, accountId: string): string | undefined {
  if (value === undefined || value === AWS_OWNED_KMS_KEY) return undefined;
  return kmsKeyArnOf(region, accountId, value);
}

export class LedgerService {
  readonly hooks: LedgerHooks = { created: [], beforeDelete: [], gone: [] };
  private nextDue: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly byId = new Map<string, Ledger>();
  private readonly byName = new Map<string, Ledger>();
  /**
   * Purges under way, by name: a ledger leaves memory at once, but its rows (the name's among
   * them) only when the purge ends, which on PostgreSQL takes round trips. A create of the same
   * name waits for it, so that a name DescribeLedger calls free is free to create, and so does a
   * refresh, so that it never reads the row back.
   */
  private readonly purging = new Map<string, Promise<void>>();
  /**
   * Counts changes to memory and settled writes: a refresh whose read of the store overlapped
   * one reads again, rather than put back what the store held before it (a ledger created
   * meanwhile vanishing for a refresh period, a settled state reverting).
   */
  private changes = 0;

  constructor(
    private readonly store: AsyncLedgerStore,
    private readonly config: Config,
    private readonly now: () => number = Date.now,
    /** where a write that no request waits for (a state settling) reports its failure */
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Reads every ledger from the store; before the first request. */
  async load(): Promise<this> {
    await this.refresh();
    return this;
  }

  /**
   * Replaces what is kept in memory by what the store holds: on a store shared by several
   * nodes, the ledgers other nodes created, changed or removed.
   */
  async refresh(): Promise<void> {
    let rows: LedgerRow[];
    for (;;) {
      const seen = this.changes;
      rows = await this.store.all();
      // a purge under way may have ended after the read but before it counts as a change: read
      // again once it has, rather than put the deleted ledger back (DELETING, due) meanwhile
      if (this.changes === seen && this.purging.size === 0) break;
      await Promise.all(this.purging.values());
    }
    this.byId.clear();
    this.byName.clear();
    for (const row of rows) this.remember(this.view(row));
    this.computeNextDue();
  }

  private view(row: LedgerRow): Ledger {
    return { ...row, arn: ledgerArn(row.region, row.accountId, row.name), creationDateTime: new Date(row.createdMs) };
  }

  private remember(ledger: Ledger): Ledger {
    this.changes++;
    this.byId.set(ledger.ledgerId, ledger);
    this.byName.set(nameKey(ledger.accountId, ledger.region, ledger.name), ledger);
    return ledger;
  }

  private forget(ledger: Ledger): void {
    this.changes++;
    this.byId.delete(ledger.ledgerId);
    this.byName.delete(nameKey(ledger.accountId, ledger.region, ledger.name));
  }

  /** Writes a changed ledger through to the store, then memory. */
  private async save(row: LedgerRow): Promise<Ledger> {
    await this.store.update(row);
    return this.remember(this.view(row));
  }

  private computeNextDue(): void {
    let next: number | undefined;
    for (const l of this.byId.values()) if (l.stateUntil !== null && (next === undefined || l.stateUntil < next)) next = l.stateUntil;
    this.nextDue = next;
    this.schedule();
  }

  /** Applies every state change that is due. */
  settle(): void {
    const now = this.now();
    if (this.nextDue === undefined || now < this.nextDue) return;
    for (const ledger of [...this.byId.values()]) {
      if (ledger.stateUntil === null || ledger.stateUntil > now) continue;
      // memory moves on at once (reads stay synchronous); the store follows, and a node that
      // shares it settles the same change to the same values
      if (ledger.state === 'CREATING') {
        const row: LedgerRow = { ...ledger, state: 'ACTIVE', stateUntil: null };
        this.remember(this.view(row));
        this.store.update(row).then(() => void this.changes++, this.onError);
      } else if (ledger.state === 'DELETING') {
        this.forget(ledger);
        const key = nameKey(ledger.accountId, ledger.region, ledger.name);
        const purge = this.removeForGood(ledger).then(() => void this.changes++, this.onError);
        this.purging.set(key, purge);
        void purge.then(() => {
          if (this.purging.get(key) === purge) this.purging.delete(key);
        });
      }
    }
    this.computeNextDue();
  }

  private async removeForGood(ledger: Ledger): Promise<void> {
    for (const hook of this.hooks.gone) await hook(ledger);
    await this.store.remove(ledger.ledgerId, ledger.arn);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.nextDue === undefined) return;
    this.timer = setTimeout(() => this.settle(), Math.max(0, this.nextDue - this.now()) + 5);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** The ledger of this name in the caller's account and region, in any state, or undefined. */
  find(caller: Caller, name: string): Ledger | undefined {
    this.settle();
    return this.byName.get(nameKey(caller.accountId, caller.region, name));
  }

  /** A ledger by its internal id, in any state, or undefined once it is gone. */
  get(ledgerId: string): Ledger | undefined {
    this.settle();
    return this.byId.get(ledgerId);
  }

  /** A ledger that exists and is not being deleted; else ResourceNotFound, as AWS answers. */
  requireExisting(caller: Caller, name: string): Ledger {
    const ledger = this.find(caller, name);
    if (!ledger || ledger.state === 'DELETING') throw notFound(name);
    return ledger;
  }

  /** An ACTIVE ledger; CREATING → ResourcePreconditionNotMet. */
  requireActive(caller: Caller, name: string): Ledger {
    const ledger = this.requireExisting(caller, name);
    if (ledger.state === 'CREATING') {
      throw resourcePreconditionNotMet('LEDGER', name, `The ledger ${name} is still being created. Try again when it is ACTIVE.`);
    }
    return ledger;
  }

  /** Ledgers of the caller by name, after `afterName`, at most `limit`. */
  list(caller: Caller, afterName: string, limit: number): Ledger[] {
    this.settle();
    return this.ofCaller(caller)
      .filter((l) => l.name > afterName)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .slice(0, limit);
  }

  private ofCaller(caller: Caller): Ledger[] {
    const out: Ledger[] = [];
    for (const l of this.byId.values()) if (l.accountId === caller.accountId && l.region === caller.region) out.push(l);
    return out;
  }

  /**
   * With `importing`, the ledger stays CREATING until `activate` (a journal import fills it
   * meanwhile, block 0 included), and no `created` hook runs: its journal comes from the import.
   */
  async create(caller: Caller, req: CreateLedgerRequest, options: { importing?: boolean } = {}): Promise<Ledger> {
    this.settle();
    const kmsKey = kmsKeyOf(req.kmsKey, caller.region, caller.accountId);
    if (req.tags) checkTags({}, req.tags);
    const key = nameKey(caller.accountId, caller.region, req.name);
    await this.purging.get(key);
    if (this.byName.has(key)) throw resourceAlreadyExists('LEDGER', req.name, `Ledger with name ${req.name} already exists`);
    if (this.ofCaller(caller).length >= this.config.maxLedgers) {
      throw limitExceeded('LEDGER', `Exceeded the limit of ${this.config.maxLedgers} ledgers per account and region`);
    }
    const now = this.now();
    const delay = options.importing ? 0 : this.config.ledgerStateDelayMs;
    const row: LedgerRow = {
      ledgerId: newId(),
      accountId: caller.accountId,
      region: caller.region,
      name: req.name,
      state: delay > 0 || options.importing ? 'CREATING' : 'ACTIVE',
      stateUntil: delay > 0 ? now + delay : null,
      createdMs: now,
      permissionsMode: req.permissionsMode,
      deletionProtection: req.deletionProtection ?? true,
      kmsKey,
    };
    const ledger = this.view(row);
    try {
      await this.store.insert(row, ledger.arn, req.tags);
    } catch (e) {
      // the same name created meanwhile (by a concurrent request, or on another node)
      await this.refresh();
      if (this.byName.has(key)) {
        throw resourceAlreadyExists('LEDGER', req.name, `Ledger with name ${req.name} already exists`);
      }
      throw e;
    }
    this.remember(ledger);
    this.noteDue(row.stateUntil);
    if (!options.importing) for (const hook of this.hooks.created) await hook(ledger);
    return ledger;
  }

  /**
   * An imported ledger is complete: CREATING → ACTIVE, created when its journal began (block 0's
   * timestamp), so that an export of its whole journal can start there.
   */
  async activate(ledgerId: string, createdMs: number): Promise<void> {
    const row = this.byId.get(ledgerId) ?? this.view((await this.store.get(ledgerId))!);
    if (row.state !== 'CREATING') return;
    await this.save({ ...row, state: 'ACTIVE', stateUntil: null, createdMs });
  }

  /**
   * An import failed: its CREATING ledger goes at once and the name is free again. The caller
   * has removed the ledger's journal and documents already.
   */
  async discard(ledgerId: string): Promise<void> {
    const row = this.byId.get(ledgerId) ?? (await this.store.get(ledgerId));
    if (!row) return;
    const ledger = this.view(row);
    await this.store.remove(ledgerId, ledger.arn);
    this.forget(ledger);
  }

  update(caller: Caller, name: string, changes: { deletionProtection?: boolean; kmsKey?: string }): Promise<Ledger> {
    const ledger = this.requireExisting(caller, name);
    const row: LedgerRow = { ...ledger };
    if (changes.deletionProtection !== undefined) row.deletionProtection = changes.deletionProtection;
    if (changes.kmsKey !== undefined) row.kmsKey = kmsKeyOf(changes.kmsKey, ledger.region, ledger.accountId);
    return this.save(row);
  }

  updatePermissionsMode(caller: Caller, name: string, mode: PermissionsMode): Promise<Ledger> {
    const ledger = this.requireExisting(caller, name);
    return this.save({ ...ledger, permissionsMode: mode });
  }

  async delete(caller: Caller, name: string): Promise<void> {
    const ledger = this.requireExisting(caller, name);
    if (ledger.deletionProtection) {
      throw resourcePreconditionNotMet(
        'LEDGER',
        name,
        `Preventing deletion of ledger ${name} because deletion protection is enabled`,
      );
    }
    if (ledger.state === 'CREATING') {
      throw resourcePreconditionNotMet('LEDGER', name, `The ledger ${name} is still being created. Try again when it is ACTIVE.`);
    }
    for (const hook of this.hooks.beforeDelete) await hook(ledger);
    const until = this.now() + this.config.ledgerStateDelayMs;
    await this.save({ ...ledger, state: 'DELETING', stateUntil: until });
    this.noteDue(until);
    if (this.config.ledgerStateDelayMs <= 0) this.settle();
  }

  private noteDue(at: number | null): void {
    if (at === null) return;
    if (this.nextDue === undefined || at < this.nextDue) {
      this.nextDue = at;
      this.schedule();
    }
  }
}
