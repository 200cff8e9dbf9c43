/**
 * The three export formats (control-plane.md §4.3): how a block becomes bytes of a data object,
 * and the extension and content types that go with each.
 */
import { IonTranscoder } from './ionTranscode';
import { OutBuf } from './outBuf';

export type OutputFormat = 'ION_TEXT' | 'ION_BINARY' | 'JSON';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['ION_TEXT', 'ION_BINARY', 'JSON'];

export interface FormatInfo {
  /** extension of data objects */
  ext: 'ion' | 'json';
  dataContentType: string;
  manifestContentType: string;
}

export const FORMATS: Record<OutputFormat, FormatInfo> = {
  ION_TEXT: { ext: 'ion', dataContentType: 'text/x-amzn-ion', manifestContentType: 'text/x-amzn-ion' },
  ION_BINARY: { ext: 'ion', dataContentType: 'application/x-amzn-ion', manifestContentType: 'application/x-amzn-ion' },
  JSON: { ext: 'json', dataContentType: 'application/x-ndjson', manifestContentType: 'application/json' },
};

/**
 * Appends blocks, each given as the exact Ion binary that was hashed, to a data object.
 * ION_BINARY copies the stored bytes: every stored block is itself a complete Ion binary stream
 * (IVM, symbol table, the block struct), so their concatenation is one valid stream that starts
 * with an IVM and holds the blocks as top-level structs, and each re-hashes to its blockHash.
 */
export class BlockEncoder {
  private readonly transcoder = new IonTranscoder();

  constructor(readonly format: OutputFormat) {}

  encode(block: Buffer, out: OutBuf): void {
    switch (this.format) {
      case 'ION_BINARY':
        out.bytes(block);
        return;
      case 'ION_TEXT':
        if (this.transcoder.toText(block, out) !== 1) throw new Error('a stored block must hold exactly one value');
        return;
      case 'JSON':
        if (this.transcoder.toJson(block, out) !== 1) throw new Error('a stored block must hold exactly one value');
        return;
    }
  }
}
