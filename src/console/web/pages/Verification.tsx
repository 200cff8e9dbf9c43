/**
 * The ledger's digest (to copy or download as GetDigest's JSON), and a revision or block checked
 * against the current digest or a saved one: the answer and its Proof come from the API, every
 * hash is recomputed and folded here, and each step of the fold is drawn.
 */
import { useState } from 'preact/hooks';
import { getBlock, getDigest, getRevision, type Digest } from '../api/control';
import { Copy, ErrorBox, Field, NeedLedger } from '../components/common';
import { useAction } from '../hooks';
import { ionOf } from '../model/ion';
import type { Fold } from '../model/proofSteps';
import { verifyAnswer, type Verification as Result } from '../model/verification';

function sequenceOf(address: string): { strand: string; seq: number } {
  const v = ionOf(address);
  return { strand: String(v.get('strandId')?.stringValue()), seq: Number(v.get('sequenceNo')?.numberValue()) };
}

function digestJson(d: Digest): string {
  return JSON.stringify({ Digest: d.Digest, DigestTipAddress: d.DigestTipAddress }, null, 2);
}

export function Verification({ ledger, params }: { ledger?: string; params: Record<string, string> }) {
  const [digest, setDigest] = useState<Digest>();
  const [kind, setKind] = useState<'revision' | 'block'>(params.kind === 'block' ? 'block' : 'revision');
  const [documentId, setDocumentId] = useState(params.id ?? '');
  const [address, setAddress] = useState(params.address ?? '');
  const [source, setSource] = useState<'current' | 'saved'>('current');
  const [saved, setSaved] = useState('');
  const [result, setResult] = useState<Result>();
  const digestAction = useAction();
  const verifyAction = useAction();

  const download = (d: Digest) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([digestJson(d)], { type: 'application/json' }));
    a.download = `${ledger}-digest.json`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const verify = () =>
    verifyAction.run(async () => {
      setResult(undefined);
      let digestAnswer: Digest;
      if (source === 'current') digestAnswer = await getDigest(ledger!);
      else {
        try {
          digestAnswer = JSON.parse(saved);
        } catch {
          throw new Error('The saved digest is not JSON: paste what Get digest shows (or a get-digest answer).');
        }
      }
      const tip = digestAnswer.DigestTipAddress?.IonText;
      const at = sequenceOf(address);
      // a digest older than the block cannot prove it, and GetDigest's tip cannot be asked for:
      // the answer is fetched without a Proof, and the check says why it fails
      const coverable = tip !== undefined && at.strand === sequenceOf(tip).strand && at.seq <= sequenceOf(tip).seq;
      const answer = kind === 'revision' ? await getRevision(ledger!, address, documentId, coverable ? tip : undefined) : await getBlock(ledger!, address, coverable ? tip : undefined);
      setResult(verifyAnswer(kind, digestAnswer as unknown as Record<string, unknown>, answer as Record<string, unknown>));
    });

  return (
    <section>
      <h1>Verification</h1>
      <NeedLedger ledger={ledger} />
      <div class="card">
        <h2>Digest</h2>
        <button type="button" disabled={!ledger || digestAction.busy} data-test="get-digest" onClick={() => void digestAction.run(async () => setDigest(await getDigest(ledger!)))}>
          Get digest
        </button>
        <ErrorBox error={digestAction.error} />
        {digest && (
          <div>
            <pre class="ion-text" data-test="digest-json">
              {digestJson(digest)}
            </pre>
            <Copy text={digestJson(digest)} label="Copy" />{' '}
            <button type="button" class="small" onClick={() => download(digest)}>
              Download JSON
            </button>{' '}
            <button type="button" class="small" onClick={() => (setSaved(digestJson(digest)), setSource('saved'))} data-test="use-digest">
              Verify against this digest
            </button>
          </div>
        )}
      </div>
      <form
        class="card"
        data-test="verify-form"
        onSubmit={(e) => {
          e.preventDefault();
          void verify();
        }}
      >
        <h2>Verify a document revision or a block</h2>
        <div class="row">
          <Field label="What">
            <select name="kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as 'revision')}>
              <option value="revision">a document revision</option>
              <option value="block">a block</option>
            </select>
          </Field>
          {kind === 'revision' && (
            <Field label="Document id">
              <input name="documentId" required size={26} value={documentId} onInput={(e) => setDocumentId((e.target as HTMLInputElement).value)} />
            </Field>
          )}
          <Field label="Block address">
            <input name="address" required size={48} placeholder='{strandId:"…",sequenceNo:3}' value={address} onInput={(e) => setAddress((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <div class="row">
          <label class="check">
            <input type="radio" name="source" checked={source === 'current'} onChange={() => setSource('current')} /> against the current digest
          </label>
          <label class="check">
            <input type="radio" name="source" data-test="source-saved" checked={source === 'saved'} onChange={() => setSource('saved')} /> against a saved digest
          </label>
        </div>
        {source === 'saved' && (
          <Field label="Saved digest (GetDigest's JSON)">
            <textarea name="saved" rows={4} data-test="saved-digest" value={saved} onInput={(e) => setSaved((e.target as HTMLTextAreaElement).value)} />
          </Field>
        )}
        <button type="submit" disabled={!ledger || verifyAction.busy} data-test="verify">
          Verify
        </button>
      </form>
      <ErrorBox error={verifyAction.error} test="verify-error" />
      {result && <Outcome result={result} />}
    </section>
  );
}

function Outcome({ result }: { result: Result }) {
  return (
    <div class="card" data-test="verification">
      <div class={`verdict ${result.verified ? 'verified' : 'failed'}`} data-test="verdict">
        {result.verified ? 'Verified: the proof reaches the digest.' : 'Not verified: ' + result.failure!.message}
      </div>
      {result.recomputed && (
        <p>
          {result.recomputed.label}: {result.recomputed.how}, matching the hash the answer states.
        </p>
      )}
      {result.fold && (
        <>
          <p class="hint">
            Each step hashes the running value (<span class="hash running">blue</span>) with the Proof's next hash (<span class="hash sibling">yellow</span>), the
            smaller first by QLDB's byte order; the last value must be the digest.
          </p>
          <FoldDrawing fold={result.fold} />
        </>
      )}
    </div>
  );
}

/** Each step: the running hash and the Proof's next hash, ordered as QLDB orders them, hashed into the next running hash. */
function FoldDrawing({ fold }: { fold: Fold }) {
  return (
    <ol class="fold" data-test="fold">
      <li class="fold-start">
        <span class="label">start</span>
        <code class="hash">{fold.start}</code>
      </li>
      {fold.steps.map((s, i) => {
        const [first, second] = s.order === 'running-first' ? [s.from, s.sibling] : [s.sibling, s.from];
        return (
          <li key={i} class="fold-step" data-test="fold-step">
            <span class="label">step {i + 1}</span>
            <div class="pair">
              <code class={`hash ${first === s.from ? 'running' : 'sibling'}`}>{first}</code>
              <span class="op">‖</span>
              <code class={`hash ${second === s.from ? 'running' : 'sibling'}`}>{second}</code>
            </div>
            <div class="arrow">SHA-256 ↓</div>
            <code class="hash running">{s.result}</code>
          </li>
        );
      })}
      <li class={`fold-end ${fold.reaches ? 'verified' : 'failed'}`}>
        <span class="label">digest</span>
        <code class="hash">{fold.digest}</code>
        <span>{fold.reaches ? '= the last hash' : '≠ the last hash'}</span>
      </li>
    </ol>
  );
}
