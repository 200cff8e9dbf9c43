/**
 * The local-directory sink: object `<bucket>/<key>` → file `<root>/<bucket>/<key>`.
 * For quick starts and tests; it records and encrypts nothing (the README says so).
 */
import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { checkBucketName } from './bucketName';
import { SinkError, type PutOptions, type Sink } from './sink';

/** Percent-encoded `/`, `\`, `.` and NUL: refused so that no tool that decodes keys can be led outside. */
const ENCODED_SEPARATOR = /%(2f|5c|2e|00)/i;

export class LocalSink implements Sink {
  readonly kind = 'local' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file an object maps to; throws SinkError `InvalidObjectKey`/`InvalidBucketName` if it would escape. */
  pathOf(bucket: string, key: string): string {
    const refuse = (code: string, what: string) => {
      // The message names no server path: it reaches the client.
      throw new SinkError(code, `${what} would resolve outside the local export directory`, false);
    };
    if (bucket.length === 0 || bucket === '.' || bucket === '..' || /[/\\\0]/.test(bucket) || ENCODED_SEPARATOR.test(bucket)) {
      refuse('InvalidBucketName', `The bucket name '${printable(bucket)}'`);
    }
    if (key.length === 0 || key.startsWith('/') || /[\\\0]/.test(key) || ENCODED_SEPARATOR.test(key)) {
      refuse('InvalidObjectKey', `The object key '${printable(key)}'`);
    }
    for (const segment of key.split('/')) {
      if (segment === '' || segment === '.' || segment === '..') refuse('InvalidObjectKey', `The object key '${printable(key)}'`);
    }
    const base = join(this.root, bucket);
    const file = resolve(base, key);
    if (!file.startsWith(base + sep)) refuse('InvalidObjectKey', `The object key '${printable(key)}'`);
    return file;
  }

  checkKey(bucket: string, key: string): void {
    checkBucketName(bucket);
    this.pathOf(bucket, key);
  }

  async put(bucket: string, key: string, body: Buffer, _options: PutOptions): Promise<void> {
    const file = this.pathOf(bucket, key);
    // Named after its object, not at random: a job resumed after a crash writes the same key
    // again and so takes over (and renames away) what the crash left behind.
    const tmp = join(dirname(file), `.${basename(file)}.openqldb-tmp`);
    try {
      await mkdir(dirname(file), { recursive: true });
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      // a reader never sees half an object: the name appears only once the bytes are on disk
      await rename(tmp, file);
      // and the name itself is on disk before the job records the object as written
      const dir = await open(dirname(file), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      if (e instanceof SinkError) throw e;
      const err = e as NodeJS.ErrnoException;
      const transient = err.code === 'EAGAIN' || err.code === 'EBUSY' || err.code === 'EMFILE' || err.code === 'ENFILE';
      throw new SinkError(err.code === 'EACCES' || err.code === 'EPERM' ? 'AccessDenied' : 'InternalError', err.message, transient);
    }
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    const file = this.pathOf(bucket, key);
    try {
      return await readFile(file);
    } catch (e) {
      throw await this.readError(bucket, e as NodeJS.ErrnoException);
    }
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    // the directory part of the prefix, checked like a key (nothing outside the bucket is listed)
    const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const start = prefix.slice(dir.length);
    const base = dirname(this.pathOf(bucket, `${dir}x`));
    const keys: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(base, rel), { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw await this.readError(bucket, e as NodeJS.ErrnoException);
      }
      for (const e of entries) {
        // dot files are the sink's own temporary names, never objects
        if (e.name.startsWith('.') || (!rel && !e.name.startsWith(start))) continue;
        if (e.isDirectory()) await walk(`${rel}${e.name}/`);
        else if (e.isFile()) keys.push(`${dir}${rel}${e.name}`);
      }
    };
    await this.requireBucket(bucket);
    await walk('');
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private async requireBucket(bucket: string): Promise<void> {
    const dir = dirname(this.pathOf(bucket, 'x'));
    const s = await stat(dir).catch(() => undefined);
    if (!s?.isDirectory()) throw new SinkError('NoSuchBucket', 'The specified bucket does not exist', false);
  }

  private async readError(bucket: string, err: NodeJS.ErrnoException): Promise<SinkError> {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EISDIR') {
      await this.requireBucket(bucket);
      return new SinkError('NoSuchKey', 'The specified key does not exist.', false);
    }
    if (err.code === 'EACCES' || err.code === 'EPERM') return new SinkError('AccessDenied', err.message, false);
    return new SinkError('InternalError', err.message, err.code === 'EMFILE' || err.code === 'ENFILE' || err.code === 'EAGAIN');
  }

  close(): void {}
}

function printable(s: string): string {
  return s.replace(/[\0-\x1f\\]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
