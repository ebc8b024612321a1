import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../../src/agent/agent.js';
import { configFromEnv, parseAgentConfig } from '../../src/agent/config.js';
import { AgentError } from '../../src/agent/errors.js';
import { connect } from '../../src/client/index.js';
import { makeTestCerts, type TestCerts } from '../support/tls-certs.js';
import { captureLogger, fixture, startMeshRouter, TempDirs, testSettings, within, type MeshRouter } from './support.js';

describe('an agent on a wss:// router with a pinned self-signed certificate', { timeout: 60_000 }, () => {
  const dirs = new TempDirs();
  let certs: TestCerts;
  let mesh: MeshRouter;
  before(async () => {
    certs = await makeTestCerts();
    mesh = await startMeshRouter({ tls: { cert: certs.selfSigned.cert, key: certs.selfSigned.key } });
  });
  after(async () => {
    await mesh.close();
    await certs.remove();
    await dirs.cleanup();
  });

  it('registers its device, and its plugin (own session, own thread) serves calls', async () => {
    assert.match(mesh.url, /^wss:\/\//);
    const log = captureLogger('info');
    const pin = { fingerprint: certs.selfSigned.fingerprint };
    const agent = new Agent({ settings: testSettings(mesh.url, await dirs.make(), { name: 'pinned', tls: pin, plugins: [{ use: fixture('good') }] }), logger: log.logger });
    const caller = await connect({ url: mesh.url, reconnect: false, tls: pin });
    try {
      await within(agent.start(), 15_000, 'the agent to start');
      await log.waitFor((l) => l['msg'] === 'good plugin serving', 15_000);
      const result = (await caller.call('test.echo', ['over tls'], {}, { device: 'pinned' })).value as { device: string };
      assert.equal(result.device, agent.identity!.id);
    } finally {
      await agent.stop();
      await caller.close();
    }
  });

  it('with another pin it keeps retrying, and says why', async () => {
    const log = captureLogger('info');
    const agent = new Agent({ settings: testSettings(mesh.url, await dirs.make(), { tls: { fingerprint: certs.other.fingerprint } }), logger: log.logger });
    const starting = agent.start().catch((error: unknown) => error);
    try {
      const line = await log.waitFor((l) => l['msg'] === 'cannot reach the router; retrying');
      assert.match(String(line['err']), new RegExp(`expected ${certs.other.fingerprint}, got ${certs.selfSigned.fingerprint}`));
    } finally {
      await agent.stop();
      assert.ok((await starting) instanceof AgentError);
    }
  });

  it('tls config: validated, only for wss:// and tls:// routers, also from THOTH_TLS_FINGERPRINT / THOTH_TLS_CA', async () => {
    assert.throws(() => parseAgentConfig({ tls: { fingerprint: 'nope' } }, 'config'), /tls\.fingerprint: must be a SHA-256 fingerprint/);
    assert.throws(() => parseAgentConfig({ tls: { fingerprint: certs.other.fingerprint, ca: certs.caFile } }, 'config'), /fingerprint or ca, not both/);
    assert.throws(() => testSettings('ws://127.0.0.1:1/ws', '/tmp/x', { tls: { ca: certs.caFile } }), /tls: only for wss:\/\/ and tls:\/\/ router URLs/);
    assert.deepEqual(configFromEnv({ THOTH_TLS_FINGERPRINT: certs.other.fingerprint }).tls, { fingerprint: certs.other.fingerprint });
    assert.throws(() => configFromEnv({ THOTH_TLS_FINGERPRINT: 'x' }), /environment variable THOTH_TLS_FINGERPRINT: .*SHA-256/);
    const missing = new Agent({ settings: testSettings(mesh.url, await dirs.make(), { tls: { ca: '/nonexistent/ca.pem' } }) });
    await assert.rejects(missing.start(), (error: unknown) => error instanceof AgentError && error.code === 'invalid_config' && /tls\.ca: cannot read \/nonexistent\/ca\.pem: ENOENT/.test(error.message));
  });
});
