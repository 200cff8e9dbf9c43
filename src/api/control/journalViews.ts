/**
 * What GetDigest, GetBlock and GetRevision share: the journal of an ACTIVE ledger, and block
 * addresses as clients send them — Ion text `{strandId:"…",sequenceNo:N}` — parsed with an Ion
 * reader and checked in the order and with the messages of control-plane.md §6.
 */
import { IonTypes, loadAll, makeTextWriter, type dom } from 'ion-js';
import type { OperationContext } from '../types';
import { invalidParameter } from '../../server/errors';
import type { JournalStore, StrandTip } from '../../storage/stores';

export interface LedgerJournal {
  ledgerId: string;
  journal: JournalStore;
  strand: StrandTip;
}

/** The journal of the named ledger: missing/DELETING → ResourceNotFound, CREATING → 412. */
export async function ledgerJournal({ app, caller }: OperationContext, name: string): Promise<LedgerJournal> {
  const ledger = app.ledgers.requireActive(caller, name);
  const journal = app.store.journal;
  let strand = await journal.strand(ledger.ledgerId);
  if (!strand) {
    // a ledger created before the journal component existed gets its genesis block now
    await app.txn.stateOrCreate(ledger.ledgerId);
    strand = await journal.strand(ledger.ledgerId);
  }
  if (!strand) throw new Error(`ledger ${ledger.ledgerId} has no journal strand`);
  return { ledgerId: ledger.ledgerId, journal, strand };
}

export const MESSAGES = {
  malformed: 'The provided Ion value is not valid and cannot be parsed.',
  invalidAddress: 'The provided block address is not valid.',
  wrongStrand: 'The Strand ID of the provided block address is not valid.',
  wrongTipStrand: 'The Strand ID of the provided digest tip address is not valid.',
  tipBeyond: "The sequence number of the provided digest tip address is beyond the strand's latest committed record.",
  blockBeyond: "The sequence number of the provided block address is beyond the strand's latest committed record.",
  blockAfterTip: 'The sequence number of the provided block address is after the sequence number of the provided digest tip address.',
  documentNotInBlock: 'The provided document ID was not found in the block at the specified block address.',
};

export interface ParsedAddress {
  strandId: string;
  /** bigint: a client may send any Ion int, and one beyond the tip must say so, not overflow */
  sequenceNo: bigint;
}

/** Parses a ValueHolder's IonText as a block address; `parameter` names the member in errors. */
export function parseAddress(holder: { IonText?: string } | undefined, parameter: string): ParsedAddress {
  const text = holder?.IonText;
  // ValueHolder's members are all optional in the model; an empty holder carries no address
  if (typeof text !== 'string') throw invalidParameter(MESSAGES.invalidAddress, parameter);
  let values: dom.Value[];
  try {
    values = loadAll(text);
  } catch {
    throw invalidParameter(MESSAGES.malformed, parameter);
  }
  if (values.length !== 1) throw invalidParameter(values.length ? MESSAGES.invalidAddress : MESSAGES.malformed, parameter);
  const v = values[0];
  const fields = v.getType().name === 'struct' && !v.isNull() && v.getAnnotations().length === 0 ? v.fieldNames() : undefined;
  if (!fields || fields.length !== 2 || !fields.includes('strandId') || !fields.includes('sequenceNo')) {
    throw invalidParameter(MESSAGES.invalidAddress, parameter);
  }
  // a repeated field name shows up as one name with several values
  if (v.getAll('strandId')!.length !== 1 || v.getAll('sequenceNo')!.length !== 1) throw invalidParameter(MESSAGES.invalidAddress, parameter);
  const strand = v.get('strandId')!;
  const seq = v.get('sequenceNo')!;
  if (strand.getType().name !== 'string' || strand.isNull() || seq.getType().name !== 'int' || seq.isNull()) {
    throw invalidParameter(MESSAGES.invalidAddress, parameter);
  }
  const sequenceNo = seq.bigIntValue()!;
  if (sequenceNo < 0n) throw invalidParameter(MESSAGES.invalidAddress, parameter);
  return { strandId: strand.stringValue()!, sequenceNo };
}

/** The Ion text of a block address, as QLDB writes it. */
export function addressText(strandId: string, sequenceNo: number): string {
  return `{strandId:${JSON.stringify(strandId)},sequenceNo:${sequenceNo}}`;
}

/** A proof as Ion text: a list of blobs, `[{{…}},{{…}}]`. */
export function proofText(proof: Buffer[]): string {
  const w = makeTextWriter();
  w.stepIn(IonTypes.LIST);
  for (const p of proof) w.writeBlob(p);
  w.stepOut();
  w.close();
  return Buffer.from(w.getBytes()).toString('utf8');
}

/**
 * Checks a block address and an optional digest tip address against the strand, in this order:
 * both parse, strands match, the tip is within the strand, the block is within the tip.
 * Returns plain numbers once they are known to be within the strand.
 */
export function resolveAddresses(
  strand: StrandTip,
  input: { BlockAddress?: { IonText?: string }; DigestTipAddress?: { IonText?: string } },
): { sequenceNo: number; tip?: number } {
  const block = parseAddress(input.BlockAddress, 'BlockAddress');
  const tip = input.DigestTipAddress === undefined ? undefined : parseAddress(input.DigestTipAddress, 'DigestTipAddress');
  if (block.strandId !== strand.strandId) throw invalidParameter(MESSAGES.wrongStrand, 'BlockAddress');
  if (tip && tip.strandId !== strand.strandId) throw invalidParameter(MESSAGES.wrongTipStrand, 'DigestTipAddress');
  const latest = BigInt(strand.tipSequenceNo);
  if (tip) {
    if (tip.sequenceNo > latest) throw invalidParameter(MESSAGES.tipBeyond, 'DigestTipAddress');
    if (block.sequenceNo > tip.sequenceNo) throw invalidParameter(MESSAGES.blockAfterTip, 'BlockAddress');
  } else if (block.sequenceNo > latest) {
    throw invalidParameter(MESSAGES.blockBeyond, 'BlockAddress');
  }
  return { sequenceNo: Number(block.sequenceNo), tip: tip ? Number(tip.sequenceNo) : undefined };
}

/**
 * The stored block an address names, for GetBlock and GetRevision, once every write so far is on
 * disk: a block or proof handed to an auditor must never be one a power loss could take back.
 */
export async function addressedBlock(
  ctx: OperationContext,
  input: { Name: string; BlockAddress?: { IonText?: string }; DigestTipAddress?: { IonText?: string } },
) {
  await ctx.app.txn.pipeline.durable();
  const { ledgerId, journal, strand } = await ledgerJournal(ctx, input.Name);
  const { sequenceNo, tip } = resolveAddresses(strand, input);
  const block = await journal.block(ledgerId, sequenceNo);
  if (!block) throw new Error(`block ${sequenceNo} of ledger ${ledgerId} is missing below the tip`);
  return { ledgerId, journal, sequenceNo, tip, ion: block.ion };
}
