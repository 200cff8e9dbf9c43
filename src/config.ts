/**
 * Every setting of `openqldb serve`, with its flag, environment variable and default. The CLI,
 * the README's flag table and the tests all read this one list.
 */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL URL; undefined = the embedded SQLite in dataDir */
  databaseUrl?: string;
  /** how the other nodes on the same database reach this one; undefined = the listening endpoint */
  nodeUrl?: string;
  region: string;
  accountId: string;
  /** Milliseconds a new ledger stays CREATING (and a deleted one DELETING) before it settles. */
  ledgerStateDelayMs: number;
  maxLedgers: number;
  maxBodyBytes: number;
  // session API
  transactionTimeoutMs: number;
  sessionTimeoutMs: number;
  maxSessionsPerLedger: number;
  statementTimeLimitMs: number;
  // exports
  exportRetentionMs: number;
  s3Endpoint?: string;
  s3ForcePathStyle: boolean;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  s3LocalDir?: string;
  exportConcurrency: number;
  exportObjectMaxBytes: number;
  exportObjectMaxBlocks: number;
  exportLeaseMs: number;
  // journal streams
  kinesisEndpoint?: string;
  kinesisAccessKeyId?: string;
  kinesisSecretAccessKey?: string;
  streamImpairedLimitMs: number;
  // auth
  auth: 'off' | 'strict';
  credentialsFile?: string;
  logRequests: boolean;
  // front door
  tlsCert?: string;
  tlsKey?: string;
  metrics: boolean;
  metricsPublic: boolean;
  console: boolean;
}

interface Setting {
  key: keyof Config;
  flag: string;
  env: string;
  kind: 'string' | 'int' | 'bool' | 'duration';
  default?: string | number | boolean;
  help: string;
}

/** Durations accept ms, s, m, h, d suffixes (`7d`, `30s`, `250ms`); a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

/** Milliseconds as a duration is written (`30s`, `7d`, `500ms`): the largest unit that divides it. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [suffix, size] of units) if (ms > 0 && ms % size === 0) return `${ms / size}${suffix}`;
  return `${ms}ms`;
}

export const SETTINGS: Setting[] = [
  { key: 'host', flag: '--host', env: 'OPENQLDB_HOST', kind: 'string', default: '127.0.0.1', help: 'address to listen on' },
  { key: 'port', flag: '--port', env: 'OPENQLDB_PORT', kind: 'int', default: 8000, help: 'port for both QLDB APIs (0 picks a free port)' },
  { key: 'dataDir', flag: '--data-dir', env: 'OPENQLDB_DATA_DIR', kind: 'string', default: './.openqldb', help: 'where the embedded database lives' },
  { key: 'databaseUrl', flag: '--database-url', env: 'OPENQLDB_DATABASE_URL', kind: 'string', help: 'postgres://… : store everything in PostgreSQL, shared by every node given the same URL (default: the embedded SQLite in --data-dir)' },
  { key: 'nodeUrl', flag: '--node-url', env: 'OPENQLDB_NODE_URL', kind: 'string', help: 'with --database-url: the URL the other nodes reach this one at (default: the address it listens on)' },
  { key: 'region', flag: '--region', env: 'OPENQLDB_REGION', kind: 'string', default: 'us-east-1', help: 'region used in ARNs when auth is off' },
  { key: 'accountId', flag: '--account-id', env: 'OPENQLDB_ACCOUNT_ID', kind: 'string', default: '000000000000', help: 'account used in ARNs when auth is off' },
  { key: 'ledgerStateDelayMs', flag: '--ledger-state-delay', env: 'OPENQLDB_LEDGER_STATE_DELAY', kind: 'duration', default: 500, help: 'how long a ledger stays CREATING / DELETING' },
  { key: 'maxLedgers', flag: '--max-ledgers', env: 'OPENQLDB_MAX_LEDGERS', kind: 'int', default: 5, help: 'ledgers per account and region (AWS default quota: 5)' },
  { key: 'maxBodyBytes', flag: '--max-body-bytes', env: 'OPENQLDB_MAX_BODY_BYTES', kind: 'int', default: 8 * 1024 * 1024, help: 'largest request body accepted' },
  { key: 'transactionTimeoutMs', flag: '--transaction-timeout', env: 'OPENQLDB_TRANSACTION_TIMEOUT', kind: 'duration', default: 30_000, help: 'transaction lifetime (QLDB: 30s)' },
  { key: 'sessionTimeoutMs', flag: '--session-timeout', env: 'OPENQLDB_SESSION_TIMEOUT', kind: 'duration', default: 15 * 60_000, help: 'session lifetime (QLDB: 13-17 min)' },
  { key: 'statementTimeLimitMs', flag: '--statement-time-limit', env: 'OPENQLDB_STATEMENT_TIME_LIMIT', kind: 'duration', default: 10_000, help: 'longest one PartiQL statement may run (it holds the server meanwhile)' },
  { key: 'maxSessionsPerLedger', flag: '--max-sessions', env: 'OPENQLDB_MAX_SESSIONS', kind: 'int', default: 3000, help: 'active sessions per ledger (QLDB: 3,000)' },
  { key: 'exportRetentionMs', flag: '--export-retention', env: 'OPENQLDB_EXPORT_RETENTION', kind: 'duration', default: 7 * 86_400_000, help: 'how long finished exports stay visible (QLDB: 7d)' },
  { key: 's3Endpoint', flag: '--s3-endpoint', env: 'OPENQLDB_S3_ENDPOINT', kind: 'string', help: 'S3-compatible endpoint for exports (default: local directory)' },
  { key: 's3ForcePathStyle', flag: '--s3-force-path-style', env: 'OPENQLDB_S3_FORCE_PATH_STYLE', kind: 'bool', default: false, help: 'path-style S3 addressing' },
  { key: 's3AccessKeyId', flag: '--s3-access-key-id', env: 'OPENQLDB_S3_ACCESS_KEY_ID', kind: 'string', help: 'S3 access key (else the usual AWS_* variables)' },
  { key: 's3SecretAccessKey', flag: '--s3-secret-access-key', env: 'OPENQLDB_S3_SECRET_ACCESS_KEY', kind: 'string', help: 'S3 secret key (else the usual AWS_* variables)' },
  { key: 's3LocalDir', flag: '--s3-local-dir', env: 'OPENQLDB_S3_LOCAL_DIR', kind: 'string', help: 'local directory sink for exports (default <data-dir>/s3)' },
  { key: 'exportObjectMaxBytes', flag: '--export-object-max-bytes', env: 'OPENQLDB_EXPORT_OBJECT_MAX_BYTES', kind: 'int', default: 16 * 1024 * 1024, help: 'a new export data object after this many bytes' },
  { key: 'exportObjectMaxBlocks', flag: '--export-object-max-blocks', env: 'OPENQLDB_EXPORT_OBJECT_MAX_BLOCKS', kind: 'int', default: 10_000, help: 'a new export data object after this many blocks' },
  { key: 'exportConcurrency', flag: '--export-concurrency', env: 'OPENQLDB_EXPORT_CONCURRENCY', kind: 'int', default: 2, help: 'export jobs running at once' },
  { key: 'exportLeaseMs', flag: '--export-lease', env: 'OPENQLDB_EXPORT_LEASE', kind: 'duration', default: 30_000, help: 'with --database-url: how long a node holds an export job without renewing it; a dead node\'s jobs are taken over after it' },
  { key: 'kinesisEndpoint', flag: '--kinesis-endpoint', env: 'OPENQLDB_KINESIS_ENDPOINT', kind: 'string', help: 'Kinesis-compatible endpoint journal streams write to (without it StreamJournalToKinesis is refused)' },
  { key: 'kinesisAccessKeyId', flag: '--kinesis-access-key-id', env: 'OPENQLDB_KINESIS_ACCESS_KEY_ID', kind: 'string', help: 'Kinesis access key (else the usual AWS_* variables)' },
  { key: 'kinesisSecretAccessKey', flag: '--kinesis-secret-access-key', env: 'OPENQLDB_KINESIS_SECRET_ACCESS_KEY', kind: 'string', help: 'Kinesis secret key (else the usual AWS_* variables)' },
  { key: 'streamImpairedLimitMs', flag: '--stream-impaired-limit', env: 'OPENQLDB_STREAM_IMPAIRED_LIMIT', kind: 'duration', default: 3_600_000, help: 'how long a journal stream stays IMPAIRED (its Kinesis stream unreachable or refusing) before it is FAILED' },
  { key: 'auth', flag: '--auth', env: 'OPENQLDB_AUTH', kind: 'string', default: 'off', help: 'off | strict (SigV4 verification)' },
  { key: 'credentialsFile', flag: '--credentials-file', env: 'OPENQLDB_CREDENTIALS_FILE', kind: 'string', help: 'JSON file of access keys for --auth strict' },
  { key: 'logRequests', flag: '--log-requests', env: 'OPENQLDB_LOG_REQUESTS', kind: 'bool', default: true, help: 'one JSON log line per request' },
  { key: 'tlsCert', flag: '--tls-cert', env: 'OPENQLDB_TLS_CERT', kind: 'string', help: 'PEM certificate (and chain) to serve HTTPS; SIGHUP re-reads it' },
  { key: 'tlsKey', flag: '--tls-key', env: 'OPENQLDB_TLS_KEY', kind: 'string', help: 'PEM private key of --tls-cert' },
  { key: 'metrics', flag: '--metrics', env: 'OPENQLDB_METRICS', kind: 'bool', default: true, help: 'serve Prometheus metrics at GET /metrics' },
  { key: 'metricsPublic', flag: '--metrics-public', env: 'OPENQLDB_METRICS_PUBLIC', kind: 'bool', default: false, help: 'with --auth strict, serve /metrics without a signature' },
  { key: 'console', flag: '--console', env: 'OPENQLDB_CONSOLE', kind: 'bool', default: true, help: 'serve the web console at GET /console' },
];

function convert(s: Setting, raw: string): string | number | boolean {
  switch (s.kind) {
    case 'int': {
      if (!/^\d+$/.test(raw)) throw new Error(`${s.flag} expects a whole number, got '${raw}'`);
      return Number(raw);
    }
    case 'bool':
      if (!['true', 'false', '1', '0', ''].includes(raw)) throw new Error(`${s.flag} expects true or false, got '${raw}'`);
      return raw === 'true' || raw === '1' || raw === '';
    case 'duration':
      return parseDuration(raw);
    default:
      return raw;
  }
}

/** Defaults, then environment variables, then flags; later wins. Unknown flags are an error. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    if (s.default !== undefined) out[s.key] = s.default;
    const e = env[s.env];
    if (e !== undefined && e !== '') out[s.key] = convert(s, e);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const s = SETTINGS.find((x) => x.flag === flag);
    if (!s) throw new Error(`unknown option ${arg}`);
    let value = inline;
    if (value === undefined) {
      if (s.kind === 'bool' && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) value = 'true';
      else value = argv[++i];
    }
    if (value === undefined) throw new Error(`${s.flag} needs a value`);
    out[s.key] = convert(s, value);
  }
  Object.assign(out, overrides);
  const config = out as unknown as Config;
  if (config.auth !== 'off' && config.auth !== 'strict') throw new Error(`--auth must be off or strict, got '${config.auth}'`);
  if (!/^\d{12}$/.test(config.accountId)) throw new Error(`--account-id must be 12 digits`);
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
  // renewed every third of it: shorter, a busy event loop or one slow query would hand a
  // running job to another node while its holder still writes
  if (config.exportLeaseMs < 1_000) throw new Error('--export-lease must be at least 1s');
  return config;
}
