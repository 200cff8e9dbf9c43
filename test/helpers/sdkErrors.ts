/** How a test says "this SDK call fails the way AWS would make it fail". */
import assert from 'node:assert/strict';

/**
 * Awaits `p` and checks that it rejects with the named AWS error, HTTP status, shape members
 * (e.g. ParameterName, ResourceType) and, when given, a message (exact string or pattern).
 * Returns the error for further checks.
 */
export async function rejectsWith(
  p: Promise<unknown>,
  name: string,
  status: number,
  fields: Record<string, string> = {},
  message?: string | RegExp,
): Promise<any> {
  try {
    await p;
  } catch (e: any) {
    assert.equal(e.name, name, e.message);
    assert.equal(e.$metadata?.httpStatusCode, status);
    for (const [k, v] of Object.entries(fields)) assert.equal(e[k], v, `${k} of ${name}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}`);
}
