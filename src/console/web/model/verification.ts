/**
 * Verifying a GetRevision or GetBlock answer against a GetDigest answer in the browser, with the
 * checks `openqldb proof` makes (its code): recompute the hash the answer states, check that the
 * digest can cover the block, fold the Proof step by step, compare with the digest.
 */
import { addressText, checkBlock, checkRevision, parseDigest, parseProof, type ProofCheck } from '../../../cli/proof';
import { foldSteps, type Fold } from './proofSteps';

export interface Verification {
  verified: boolean;
  /** what was recomputed and how, when it could be */
  recomputed?: { label: string; how: string; hash: string };
  fold?: Fold;
  failure?: { check: ProofCheck; message: string };
}

/** Throws InputError (from the proof code) when an answer is not what it should be. */
export function verifyAnswer(kind: 'revision' | 'block', digestAnswer: Record<string, unknown>, answer: Record<string, unknown>): Verification {
  const digest = parseDigest(digestAnswer, 'the digest');
  const member = kind === 'revision' ? 'Revision' : 'Block';
  const text = (answer[member] as { IonText: string }).IonText;
  const checked = kind === 'revision' ? checkRevision(text, `the Get${member} answer`) : checkBlock(text, `the Get${member} answer`);
  if ('check' in checked) return { verified: false, failure: checked };
  const recomputed = { label: checked.label, how: checked.how, hash: checked.hash.toString('base64') };
  const tip = addressText(digest.tip);
  if (checked.address.strandId !== digest.tip.strandId) {
    return { verified: false, recomputed, failure: { check: 'digestTipAddress', message: `the ${kind} is on strand ${checked.address.strandId}, the digest covers strand ${digest.tip.strandId}: it is another ledger's digest` } };
  }
  if (checked.address.sequenceNo > digest.tip.sequenceNo) {
    return {
      verified: false,
      recomputed,
      failure: { check: 'digestTipAddress', message: `the ${kind}'s block ${checked.address.sequenceNo} comes after the digest's tip ${tip}: the digest was taken before it existed and cannot cover it` },
    };
  }
  if (answer.Proof === undefined) return { verified: false, recomputed, failure: { check: 'proof', message: 'the answer holds no Proof' } };
  const fold = foldSteps(checked.hash, parseProof(answer, `the Get${member} answer`, `Get${member}`), digest.digest);
  if (!fold.reaches) {
    return { verified: false, recomputed, fold, failure: { check: 'proof', message: `folding the Proof gives ${fold.end}, not the digest ${fold.digest} at tip ${tip}` } };
  }
  return { verified: true, recomputed, fold };
}
