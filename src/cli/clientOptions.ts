/**
 * How the client-side commands (`openqldb shell`, `openqldb ledgers …`, …) reach a QLDB endpoint:
 * the same flags everywhere, and the AWS SDK's own credential and region chains (environment,
 * shared config and credentials files, `--profile`), so a key that worked with `aws qldb` works.
 *
 * Against a local server with `--auth off` any key is accepted, and a developer often has none
 * configured: when the chain finds nothing, a placeholder key is used and a note says so — the
 * server then decides, and under `--auth strict` refuses it with AWS's error.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

export interface ClientFlags {
  endpoint: string;
  region?: string;
  profile?: string;
  /** PEM file of CAs to trust for an https:// endpoint, besides the system's */
  caBundle?: string;
}

export const CLIENT_FLAGS_HELP = `  --endpoint <url>     QLDB endpoint (default $OPENQLDB_ENDPOINT or http://127.0.0.1:8000)
  --region <region>    signing region (default: AWS_REGION, the profile's, or us-east-1)
  --profile <name>     AWS profile for credentials and region (default: AWS_PROFILE or default)
  --ca-bundle <file>   PEM CA certificates to trust for an https:// endpoint`;

const PLACEHOLDER: AwsCredentialIdentity = { accessKeyId: 'AKIDOPENQLDBLOCAL', secretAccessKey: 'openqldb-local' };

/**
 * Takes the client flags out of `argv` (`--flag value` or `--flag=value`) and returns them with
 * the arguments left over, in order.
 */
export function takeClientFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): { flags: ClientFlags; rest: string[] } {
  const flags: ClientFlags = { endpoint: env.OPENQLDB_ENDPOINT || 'http://127.0.0.1:8000' };
  const names: Record<string, keyof ClientFlags> = { '--endpoint': 'endpoint', '--region': 'region', '--profile': 'profile', '--ca-bundle': 'caBundle' };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = names[name];
    if (!key) {
      rest.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new Error(`${name} needs a value`);
    flags[key] = value;
  }
  let url: URL;
  try {
    url = new URL(flags.endpoint);
  } catch {
    throw new Error(`--endpoint must be a URL such as http://127.0.0.1:8000, got '${flags.endpoint}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--endpoint must be http:// or https://, got '${flags.endpoint}'`);
  return { flags, rest };
}

/**
 * Configuration for `@aws-sdk/client-qldb`, `@aws-sdk/client-qldb-session` and the driver's
 * `qldbClientOptions`; `httpOptions` is what the driver takes as its third argument.
 */
export function sdkConfig(
  flags: ClientFlags,
  onPlaceholder: () => void = () => process.stderr.write('openqldb: no AWS credentials found; using a placeholder key (enough for a server with --auth off)\n'),
): {
  config: { endpoint: string; region: string | (() => Promise<string>); credentials: AwsCredentialIdentityProvider; profile?: string; maxAttempts: number };
  httpOptions: { httpsAgent?: Agent };
} {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { defaultProvider } = require('@aws-sdk/credential-provider-node') as typeof import('@aws-sdk/credential-provider-node');
  const chain = defaultProvider(flags.profile ? { profile: flags.profile } : {});
  let resolved: Promise<AwsCredentialIdentity> | undefined;
  const credentials: AwsCredentialIdentityProvider = () =>
    (resolved ??= chain().catch((e: Error) => {
      if (e.name !== 'CredentialsProviderError') throw e;
      onPlaceholder();
      return PLACEHOLDER;
    }));
  let httpsAgent: Agent | undefined;
  if (flags.caBundle) {
    let ca: Buffer;
    try {
      ca = readFileSync(flags.caBundle);
    } catch (e) {
      throw new Error(`cannot read --ca-bundle ${flags.caBundle}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    httpsAgent = new Agent({ ca, keepAlive: true });
  }
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  return {
    config: {
      endpoint: flags.endpoint,
      region: region ?? regionFromProfile(flags.profile),
      credentials,
      ...(flags.profile ? { profile: flags.profile } : {}),
      maxAttempts: 3,
    },
    httpOptions: httpsAgent ? { httpsAgent } : {},
  };
}

/** The profile's region from the shared config file, or us-east-1. */
function regionFromProfile(profile: string | undefined): () => Promise<string> {
  return async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadSharedConfigFiles } = require('@smithy/shared-ini-file-loader') as typeof import('@smithy/shared-ini-file-loader');
    const { configFile } = await loadSharedConfigFiles();
    return configFile[profile ?? process.env.AWS_PROFILE ?? 'default']?.region ?? 'us-east-1';
  };
}
