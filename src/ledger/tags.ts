/**
 * Tags on ledgers and journal streams, with AWS's tagging rules: at most 50 tags on a
 * resource after the change, keys 1–128 and values 0–256 characters, no `aws:` keys.
 */
import type { Caller } from '../api/types';
import type { AsyncLedgerStore } from '../storage/stores';
import { invalidParameter, resourceNotFound } from '../server/errors';
import { parseQldbArn } from './arn';
import type { LedgerService } from './ledgers';

export const MAX_TAGS_PER_RESOURCE = 50;

/** Throws InvalidParameter(Tags) when adding `added` to `existing` breaks a tagging rule. */
export function checkTags(existing: Record<string, string>, added: Record<string, string>): void {
  for (const [k, v] of Object.entries(added)) {
    if (k.toLowerCase().startsWith('aws:')) throw invalidParameter(`Tag keys beginning with 'aws:' are reserved: '${k}'`, 'Tags');
    if ([...k].length < 1 || [...k].length > 128) throw invalidParameter(`Tag key '${k}' must be 1 to 128 characters long`, 'Tags');
    if ([...v].length > 256) throw invalidParameter(`The value of tag '${k}' must be at most 256 characters long`, 'Tags');
  }
  const total = countAfter(existing, added);
  if (total > MAX_TAGS_PER_RESOURCE) throw tooManyTags(total);
}

/** How many tags a resource with `existing` has once `added` are put (a key given again counts once). */
function countAfter(existing: Record<string, string>, added: Record<string, string>): number {
  return new Set([...Object.keys(existing), ...Object.keys(added)]).size;
}

function tooManyTags(total: number) {
  return invalidParameter(`A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags; this request would give it ${total}`, 'Tags');
}

export class TagService {
  /** The ARN of a journal stream the caller can see, when streams exist (set by the App). */
  streams?: (caller: Caller, ledgerName: string, streamId: string) => Promise<string | undefined>;

  constructor(
    private readonly store: AsyncLedgerStore,
    private readonly ledgers: LedgerService,
  ) {}

  /** The canonical ARN of a taggable resource of the caller; errors as AWS gives them. */
  private async resolve(caller: Caller, arn: string): Promise<string> {
    const parsed = parseQldbArn(arn);
    if (!parsed || parsed.kind === 'other') throw invalidParameter(`The provided ARN '${arn}' is not a valid QLDB resource ARN`, 'ResourceArn');
    const notFound = () => resourceNotFound('RESOURCE', arn, `The resource ${arn} does not exist`);
    // Another account's or region's resource is simply not there for this caller.
    if (parsed.accountId !== caller.accountId || parsed.region !== caller.region) throw notFound();
    if (parsed.kind === 'ledger') {
      const ledger = this.ledgers.find(caller, parsed.ledgerName);
      if (!ledger || ledger.state === 'DELETING') throw notFound();
      return ledger.arn;
    }
    if (parsed.kind === 'stream') {
      const stream = await this.streams?.(caller, parsed.ledgerName, parsed.streamId);
      if (stream) return stream;
    }
    throw notFound();
  }

  async list(caller: Caller, arn: string): Promise<Record<string, string>> {
    return this.store.tags(await this.resolve(caller, arn));
  }

  /** The 50-tag limit holds against concurrent calls too: the store counts and writes in one step. */
  async tag(caller: Caller, arn: string, tags: Record<string, string>): Promise<void> {
    const resource = await this.resolve(caller, arn);
    checkTags(await this.store.tags(resource), tags);
    if (!(await this.store.putTagsWithin(resource, tags, MAX_TAGS_PER_RESOURCE))) {
      // another call added tags after they were read
      throw tooManyTags(Math.max(countAfter(await this.store.tags(resource), tags), MAX_TAGS_PER_RESOURCE + 1));
    }
  }

  async untag(caller: Caller, arn: string, keys: string[]): Promise<void> {
    return this.store.removeTags(await this.resolve(caller, arn), keys);
  }
}
