import type { OperationContext } from '../types';
import { blockToIonText, extractValue, findRevision, parseBlock } from '../../journal/block';
import { invalidParameter } from '../../server/errors';
import { revisionProof } from './journalProofs';
import { MESSAGES, addressedBlock, proofText } from './journalViews';

interface GetRevisionInput {
  Name: string;
  BlockAddress: { IonText?: string };
  DocumentId: string;
  DigestTipAddress?: { IonText?: string };
}

/**
 * GetRevision (journal spec §2.10, §3): the document's revision in that block as Ion text
 * (`dataHash` instead of `data` once redacted), and with a tip its proof: the path inside the
 * block, previousBlockHash, then the block's own proof.
 */
export async function handle(input: GetRevisionInput, ctx: OperationContext) {
  const { ledgerId, journal, sequenceNo, tip, ion } = await addressedBlock(ctx, input);
  const block = parseBlock(ion);
  const revision = findRevision(block, input.DocumentId);
  if (!revision) throw invalidParameter(MESSAGES.documentNotInBlock, 'DocumentId');
  const proof = tip === undefined ? undefined : await revisionProof(journal, ledgerId, block, revision, sequenceNo, tip);
  return {
    Revision: { IonText: blockToIonText(extractValue(block, revision.ref)) },
    Proof: proof === undefined ? undefined : { IonText: proofText(proof) },
  };
}
