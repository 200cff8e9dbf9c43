/**
 * A PartiQL editor: a plain textarea (native editing, undo, selection) over a coloured copy of
 * its text, with an error's line marked.
 */
import { useRef } from 'preact/hooks';
import { tokenize } from '../model/highlight';

export function Editor({
  value,
  onInput,
  onRun,
  errorLine,
  textareaRef,
}: {
  value: string;
  onInput: (v: string) => void;
  onRun: () => void;
  errorLine?: number;
  textareaRef?: { current: HTMLTextAreaElement | null };
}) {
  const pre = useRef<HTMLPreElement>(null);
  const lines = value.split('\n');
  return (
    <div class="editor">
      <div class="gutter" aria-hidden="true">
        {lines.map((_, i) => (
          <div key={i} class={errorLine === i + 1 ? 'error-line' : ''}>
            {i + 1}
          </div>
        ))}
      </div>
      <div class="editor-body">
        <pre ref={pre} aria-hidden="true" class="highlight">
          {tokenize(value).map((t, i) => (t.kind === 'text' ? t.text : <span key={i} class={`tok-${t.kind}`}>{t.text}</span>))}
          {'\n'}
        </pre>
        <textarea
          ref={textareaRef}
          data-test="editor"
          spellcheck={false}
          value={value}
          onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
          onScroll={(e) => {
            if (pre.current) pre.current.scrollTop = (e.target as HTMLTextAreaElement).scrollTop;
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              onRun();
            }
          }}
          rows={Math.max(6, lines.length + 1)}
        />
      </div>
    </div>
  );
}
