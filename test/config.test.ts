import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, parseDuration, SETTINGS } from '../src/config';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig([], {});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8000);
    assert.equal(c.dataDir, './.openqldb');
    assert.equal(c.region, 'us-east-1');
    assert.match(c.accountId, /^\d{12}$/);
    assert.equal(c.auth, 'off');
    assert.equal(c.transactionTimeoutMs, 30_000);
    assert.equal(c.exportRetentionMs, 7 * 86_400_000);
    assert.equal(c.maxLedgers, 5);
  });

  it('reads environment variables, and flags win over them', () => {
    const c = loadConfig(['--port', '9001', '--region=eu-west-1', '--s3-force-path-style'], { OPENQLDB_PORT: '7000', OPENQLDB_DATA_DIR: '/tmp/x' });
    assert.equal(c.port, 9001);
    assert.equal(c.dataDir, '/tmp/x');
    assert.equal(c.region, 'eu-west-1');
    assert.equal(c.s3ForcePathStyle, true);
  });

  it('refuses unknown flags and bad values', () => {
    assert.throws(() => loadConfig(['--nope'], {}), /unknown option --nope/);
    assert.throws(() => loadConfig(['--port', 'eighty'], {}), /--port expects a whole number/);
    assert.throws(() => loadConfig(['--auth', 'maybe'], {}), /--auth must be off or strict/);
    assert.throws(() => loadConfig(['--account-id', '12'], {}), /12 digits/);
    assert.throws(() => loadConfig(['--export-retention', 'soon'], {}), /not a duration/);
    assert.throws(() => loadConfig(['--export-lease', '0'], {}), /--export-lease must be at least 1s/);
    assert.throws(() => loadConfig(['--export-lease', '999ms'], {}), /--export-lease must be at least 1s/);
    assert.equal(loadConfig(['--export-lease', '1s'], {}).exportLeaseMs, 1_000);
  });

  it('parses durations', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('1500'), 1500);
  });

  it('documents every setting in the README', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(require('node:path').join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const s of SETTINGS) {
      assert.ok(readme.includes('`' + s.flag + '`'), `README documents ${s.flag}`);
      assert.ok(readme.includes('`' + s.env + '`'), `README documents ${s.env}`);
    }
  });
});
