/**
 * A growable byte buffer that encoders append to. One per running job, reused object after
 * object, so an export's memory is bounded by the largest object, never by the journal.
 */
const B64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');

export class OutBuf {
  buf: Buffer;
  len = 0;

  /**
   * @param cap the size this buffer is expected to need at most (an object's cut size): growth
   * stops there instead of doubling past it, unless a single write needs more
   */
  constructor(initialSize = 1 << 16, private readonly cap = Infinity) {
    this.buf = Buffer.allocUnsafe(Math.min(initialSize, cap));
  }

  reserve(n: number): void {
    if (this.len + n > this.buf.length) this.grow(this.len + n);
  }

  private grow(min: number): void {
    let size = Math.max(this.buf.length * 2, 1);
    while (size < min) size *= 2;
    if (size > this.cap && min <= this.cap) size = this.cap;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    if (this.len >= this.buf.length) this.grow(this.len + 1);
    this.buf[this.len++] = b;
  }

  /** Appends a string of code points < 256 (ASCII in practice) one byte each. */
  ascii(s: string): void {
    const n = s.length;
    if (this.len + n > this.buf.length) this.grow(this.len + n);
    if (n < 24) {
      // a loop beats Buffer#write's call overhead for the short tokens encoders emit
      const b = this.buf;
      let p = this.len;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
      this.len = p;
    } else {
      this.len += this.buf.write(s, this.len, 'latin1');
    }
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (this.len + n > this.buf.length) this.grow(this.len + n);
    if (n < 32) {
      const b = this.buf;
      let p = this.len;
      for (let i = start; i < end; i++) b[p++] = src[i];
      this.len = p;
    } else {
      this.buf.set(src.subarray(start, end), this.len);
      this.len += n;
    }
  }

  /** Decimal digits of a non-negative safe integer. */
  uint(v: number): void {
    if (v < 10) {
      this.byte(0x30 + v);
      return;
    }
    if (v >= 1e15) {
      this.ascii(String(v));
      return;
    }
    let n = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) n++;
    if (this.len + n > this.buf.length) this.grow(this.len + n);
    let p = this.len + n;
    for (let x = v; p > this.len; x = Math.floor(x / 10)) this.buf[--p] = 0x30 + (x % 10);
    this.len += n;
  }

  /** Zero-padded 2 and 4 digit numbers (timestamps). */
  digits2(v: number): void {
    if (this.len + 2 > this.buf.length) this.grow(this.len + 2);
    this.buf[this.len++] = 0x30 + ((v / 10) | 0);
    this.buf[this.len++] = 0x30 + (v % 10);
  }

  digits4(v: number): void {
    if (this.len + 4 > this.buf.length) this.grow(this.len + 4);
    this.buf[this.len++] = 0x30 + ((v / 1000) | 0);
    this.buf[this.len++] = 0x30 + (((v / 100) | 0) % 10);
    this.buf[this.len++] = 0x30 + (((v / 10) | 0) % 10);
    this.buf[this.len++] = 0x30 + (v % 10);
  }

  /** Standard base64 (with padding) of src[start, end). */
  base64(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    const outLen = ((n + 2) / 3 | 0) * 4;
    if (this.len + outLen > this.buf.length) this.grow(this.len + outLen);
    if (n > 3 * 1024) {
      this.len += this.buf.write(Buffer.from(src.buffer, src.byteOffset + start, n).toString('base64'), this.len, 'latin1');
      return;
    }
    const b = this.buf;
    let p = this.len;
    let i = start;
    for (; i + 3 <= end; i += 3) {
      const v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2];
      b[p++] = B64[v >> 18];
      b[p++] = B64[(v >> 12) & 63];
      b[p++] = B64[(v >> 6) & 63];
      b[p++] = B64[v & 63];
    }
    if (end - i === 1) {
      const v = src[i] << 16;
      b[p++] = B64[v >> 18];
      b[p++] = B64[(v >> 12) & 63];
      b[p++] = 0x3d;
      b[p++] = 0x3d;
    } else if (end - i === 2) {
      const v = (src[i] << 16) | (src[i + 1] << 8);
      b[p++] = B64[v >> 18];
      b[p++] = B64[(v >> 12) & 63];
      b[p++] = B64[(v >> 6) & 63];
      b[p++] = 0x3d;
    }
    this.len = p;
  }

  /** The bytes written so far; valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  reset(): void {
    this.len = 0;
  }
}
