import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, ClientError, connect } from '../../src/client/index.js';
import { resolveOptions } from '../../src/client/options.js';

function refused(options: unknown, pattern: RegExp): void {
  assert.throws(() => resolveOptions(options), (error: unknown) => {
    assert.ok(error instanceof ClientError);
    assert.equal(error.code, 'invalid_options');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('connect options', () => {
  it('fills in defaults', () => {
    const o = resolveOptions({ url: 'ws://127.0.0.1:1/ws' });
    assert.equal(o.realm, 'thoth');
    assert.equal(o.serializer, undefined);
    assert.equal(o.callTimeoutMs, 0);
    assert.equal(o.logCalls, false);
    assert.deepEqual(o.reconnect, { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5, maxAttempts: undefined });
  });

  it('refuses an unknown key, naming it', () => {
    refused({ url: 'ws://127.0.0.1:1', relam: 'x' }, /"relam": unknown key/);
  });

  it('refuses an unknown nested key, naming its path', () => {
    refused({ url: 'ws://127.0.0.1:1', reconnect: { initialDelay: 5 } }, /"reconnect\.initialDelay": unknown key/);
  });

  it('names a key with a bad value', () => {
    refused({ url: 'ws://127.0.0.1:1', serializer: 'cbor' }, /"serializer"/);
    refused({ url: 'ws://127.0.0.1:1', reconnect: { jitter: 2 } }, /"reconnect\.jitter"/);
    refused({ url: 'not a url' }, /"url"/);
    refused({ url: 'ws://127.0.0.1:1', realm: 'bad realm' }, /"realm"/);
    refused({ url: 'ws://127.0.0.1:1', logger: {} }, /"logger"/);
    refused({ url: 'ws://127.0.0.1:1', reconnect: { initialDelayMs: 100, maxDelayMs: 10 } }, /reconnect\.maxDelayMs/);
  });

  it('reconnect: false turns reconnecting off; partial settings keep the other defaults', () => {
    assert.equal(resolveOptions({ url: 'ws://127.0.0.1:1', reconnect: false }).reconnect, false);
    const o = resolveOptions({ url: 'ws://127.0.0.1:1', reconnect: { maxAttempts: 3, factor: 3 } });
    assert.deepEqual(o.reconnect, { initialDelayMs: 500, maxDelayMs: 30_000, factor: 3, jitter: 0.5, maxAttempts: 3 });
  });

  it('connect() rejects invalid options before connecting', async () => {
    let attempts = 0;
    await assert.rejects(
      connect({ url: 'ws://127.0.0.1:1', connectTransport: async () => { attempts++; throw new Error('no'); }, bogus: 1 } as never),
      (error: unknown) => error instanceof ClientError && error.code === 'invalid_options' && /bogus/.test(error.message),
    );
    assert.equal(attempts, 0);
  });
});

describe('backoffDelay', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };

  it('grows exponentially and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy, () => 0));
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  });

  it('jitter lowers a delay by up to its share', () => {
    assert.equal(backoffDelay(3, policy, () => 0.999999), 200);
    assert.equal(backoffDelay(3, policy, () => 0.5), 300);
    assert.equal(backoffDelay(3, { ...policy, jitter: 0 }, () => 0.9), 400);
  });
});
