/**
 * Runs one boto3 call (Debian's /usr/bin/python3, boto3 1.26.27 — the last that knows QLDB)
 * against a test server and reports the outcome the way a Python caller sees it.
 */
import { execFile } from 'node:child_process';

export interface BotoCall {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region?: string;
  service?: 'qldb' | 'qldb-session';
  /** snake_case method, e.g. list_ledgers */
  op: string;
  params?: Record<string, unknown>;
  /** shift the signer's clock by this many seconds (to send a stale or future x-amz-date) */
  clockSkewSeconds?: number;
  /** boto3's `verify`: a CA bundle file to trust for HTTPS endpoints */
  verify?: string;
}

export interface BotoResult {
  ok: boolean;
  result?: any;
  /** ClientError's Error.Code */
  code?: string;
  message?: string;
  status?: number;
}

const SCRIPT = `
import json, sys
import boto3, botocore.config, botocore.exceptions
spec = json.loads(sys.argv[1])
if spec.get('clockSkewSeconds'):
    # only the signers' view of the clock moves: each signer module gets its own datetime shim
    # (Debian's botocore signs with the CRT signer when awscrt is installed, else botocore.auth)
    import datetime as _dt, types, importlib
    class _Skewed(_dt.datetime):
        @classmethod
        def utcnow(cls):
            return _dt.datetime.utcnow() + _dt.timedelta(seconds=spec['clockSkewSeconds'])
    shim = types.SimpleNamespace(datetime=_Skewed, timezone=_dt.timezone, timedelta=_dt.timedelta)
    for name in ('botocore.auth', 'botocore.crt.auth'):
        try:
            importlib.import_module(name).datetime = shim
        except ImportError:
            pass
client = boto3.client(
    spec.get('service', 'qldb'),
    endpoint_url=spec['endpoint'],
    region_name=spec.get('region', 'us-east-1'),
    aws_access_key_id=spec['accessKeyId'],
    aws_secret_access_key=spec['secretAccessKey'],
    aws_session_token=spec.get('sessionToken'),
    config=botocore.config.Config(retries={'total_max_attempts': 1}),
    verify=spec.get('verify'),
)
try:
    out = getattr(client, spec['op'])(**spec.get('params', {}))
    out.pop('ResponseMetadata', None)
    print(json.dumps({'ok': True, 'result': out}, default=str))
except botocore.exceptions.SSLError as e:
    print(json.dumps({'ok': False, 'code': 'SSLError', 'message': str(e)}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({'ok': False, 'code': e.response['Error'].get('Code'), 'message': e.response['Error'].get('Message'),
                      'status': e.response['ResponseMetadata'].get('HTTPStatusCode')}))
`;

export function boto(call: BotoCall): Promise<BotoResult> {
  return new Promise((resolve, reject) => {
    const env = {
      PATH: process.env.PATH,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    execFile('/usr/bin/python3', ['-c', SCRIPT, JSON.stringify(call)], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as BotoResult);
      } catch {
        reject(new Error(`boto3 run failed (${err?.message ?? 'no output'}):\n${stderr}`));
      }
    });
  });
}
