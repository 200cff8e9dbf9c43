/**
 * Raw HTTP against a test server, for what real clients refuse to send: constraint violations
 * that client-side checks would catch, malformed JSON, unknown routes. Auth must be off.
 */
export interface RawResponse {
  status: number;
  errorType: string | null;
  headers: Headers;
  body: string;
  json: any;
}

export async function raw(
  endpoint: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const res = await fetch(endpoint + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: payload as string | Buffer | undefined as any,
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, errorType: res.headers.get('x-amzn-errortype'), headers: res.headers, body: text, json };
}
