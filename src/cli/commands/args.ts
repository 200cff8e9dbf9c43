/**
 * Flags of the control-plane commands, spelled as `aws qldb` spells the API members (kebab-case),
 * parsed from a declared table so that the help text and the parser cannot disagree.
 */

/** A command line that cannot be run: awscli's exit code 252 follows. */
export class UsageError extends Error {}

export type FlagKind =
  /** `--name value` or `--name=value` */
  | 'string'
  /** a positive integer */
  | 'number'
  /** `--wait`: present or not */
  | 'switch'
  /** `--deletion-protection` / `--no-deletion-protection`, as awscli spells booleans */
  | 'negatable'
  /** `--tag-keys a b c` (values up to the next flag), commas splitting too, as awscli takes lists */
  | 'list';

export interface FlagSpec {
  kind: FlagKind;
  help: string;
  /** placeholder in the help text */
  value?: string;
  required?: boolean;
}

export type FlagTable = Record<string, FlagSpec>;

/** `--name`, the ledger every command but the account-wide lists works on. */
export const LEDGER_NAME: FlagSpec = { kind: 'string', value: 'ledger', help: 'the ledger', required: true };

/** One help entry per flag, in the table's order, aligned with CLIENT_FLAGS_HELP's column. */
export function flagsHelp(flags: FlagTable): string {
  const column = 23;
  return Object.entries(flags)
    .map(([name, f]) => {
      const left =
        f.kind === 'negatable'
          ? `--${name} | --no-${name}`
          : f.kind === 'switch'
            ? `--${name}`
            : `--${name} <${f.value ?? 'value'}>${f.kind === 'list' ? '...' : ''}`;
      const help = `${f.help}${f.required ? ' (required)' : ''}`;
      return left.length + 3 <= column ? `  ${left.padEnd(column - 2)}${help}` : `  ${left}\n${' '.repeat(column)}${help}`;
    })
    .join('\n');
}

export class Args {
  private readonly values = new Map<string, string | boolean | string[]>();

  constructor(
    private readonly flags: FlagTable,
    argv: string[],
  ) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
      const eq = arg.indexOf('=');
      const raw = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
      const negated = raw.startsWith('no-') && this.flags[raw.slice(3)]?.kind === 'negatable';
      const name = negated ? raw.slice(3) : raw;
      const spec = this.flags[name];
      if (!spec) throw new UsageError(`unknown option --${raw}`);
      if (this.values.has(name)) throw new UsageError(`--${name} is given twice`);
      if (spec.kind === 'switch' || spec.kind === 'negatable') {
        if (inline !== undefined) throw new UsageError(`--${raw} takes no value`);
        this.values.set(name, !negated);
        continue;
      }
      if (spec.kind === 'list') {
        const items = inline !== undefined ? [inline] : [];
        while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) items.push(argv[++i]);
        const split = items.flatMap((s) => s.split(',')).filter((s) => s !== '');
        if (split.length === 0) throw new UsageError(`--${name} needs at least one value`);
        this.values.set(name, split);
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (spec.kind === 'number' && !/^[1-9][0-9]{0,8}$/.test(value)) throw new UsageError(`--${name} must be a positive whole number, got '${value}'`);
      this.values.set(name, value);
    }
    for (const [name, f] of Object.entries(flags)) {
      if (f.required && !this.values.has(name)) throw new UsageError(`the following arguments are required: --${name}`);
    }
  }

  has(name: string): boolean {
    return this.values.has(this.known(name));
  }

  string(name: string): string | undefined {
    const v = this.values.get(this.known(name));
    return typeof v === 'string' ? v : undefined;
  }

  /** A flag declared required, so present once parsing succeeded. */
  need(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`the following arguments are required: --${name}`);
    return v;
  }

  number(name: string): number | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : Number(v);
  }

  bool(name: string): boolean | undefined {
    const v = this.values.get(this.known(name));
    return typeof v === 'boolean' ? v : undefined;
  }

  list(name: string): string[] | undefined {
    const v = this.values.get(this.known(name));
    return Array.isArray(v) ? v : undefined;
  }

  /** Catches a command asking for a flag it did not declare: a bug, not the user's mistake. */
  private known(name: string): string {
    if (!(name in this.flags)) throw new Error(`flag --${name} is not declared`);
    return name;
  }
}

/** A JSON object flag (`--s3-export-configuration '{"Bucket": …}'`), as awscli takes structures. */
export function jsonObject(flag: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--${flag} is not valid JSON`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`--${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** `--tags a=1,b=2` (awscli's shorthand) or `--tags '{"a":"1","b":"2"}'`. */
export function tagMap(flag: string, text: string): Record<string, string> {
  if (text.trimStart().startsWith('{')) {
    const o = jsonObject(flag, text);
    for (const [k, v] of Object.entries(o)) if (typeof v !== 'string') throw new UsageError(`--${flag}: the value of '${k}' must be a string`);
    return o as Record<string, string>;
  }
  const tags: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} takes Key=Value,… or a JSON object; '${pair}' has no Key=`);
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}

/**
 * A timestamp as awscli takes one: ISO 8601 (no offset meaning UTC, as botocore reads it) or
 * seconds since the epoch.
 */
export function timestamp(flag: string, text: string): Date {
  const epoch = /^\d+(\.\d+)?$/.test(text);
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  const d = epoch ? new Date(Number(text) * 1000) : iso ? new Date(iso[4] || !iso[1] ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new UsageError(`--${flag} must be an ISO 8601 time (2024-05-01T12:00:00Z) or seconds since the epoch, got '${text}'`);
  return d;
}

/**
 * An Ion text value holder, as awscli takes `--block-address`: `IonText=…` or
 * `{"IonText": "…"}`; bare Ion text (`{strandId:"…",sequenceNo:3}`) is taken too.
 */
export function ionHolder(flag: string, text: string): { IonText: string } {
  if (text.startsWith('IonText=')) return { IonText: text.slice('IonText='.length) };
  try {
    const v = JSON.parse(text) as { IonText?: unknown };
    if (v && typeof v === 'object' && typeof v.IonText === 'string') return { IonText: v.IonText };
  } catch {
    // not JSON: Ion text as it stands
  }
  if (text.trim() === '') throw new UsageError(`--${flag} needs Ion text`);
  return { IonText: text };
}
