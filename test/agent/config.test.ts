import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  configFromEnv, defaultDataDir, defaultPlugins, loadAgentConfigFile, parseAgentConfig, parseTags, resolveAgentSettings,
} from '../../src/agent/config.js';
import { AgentError } from '../../src/agent/errors.js';
import { flagLayer } from '../../src/cli/commands/agent.js';
import { TempDirs } from './support.js';

const dirs = new TempDirs();
after(() => dirs.cleanup());

function refuses(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof AgentError && error.code === 'invalid_config' && pattern.test(error.message), `expected an invalid_config error matching ${pattern}`);
}

describe('agent config', () => {
  it('runs with no config at all: loopback router, realm thoth, built-in plugins, state dir', () => {
    const settings = resolveAgentSettings([], { XDG_STATE_HOME: '/state' });
    assert.equal(settings.router, 'ws://127.0.0.1:8080/ws');
    assert.equal(settings.realm, 'thoth');
    assert.equal(settings.dataDir, '/state/thoth');
    assert.equal(settings.shutdownDeadlineMs, 5000);
    assert.equal(settings.heartbeatIntervalMs, undefined, 'unset: the router says');
    assert.deepEqual(settings.plugins.map((p) => p.use), ['system', 'notify', 'fs', 'media']);
    assert.deepEqual(settings.plugins.map((p) => p.restart), ['on-failure', 'on-failure', 'on-failure', 'on-failure']);
    assert.match(defaultDataDir({}), /\.local\/state\/thoth$/);
    assert.deepEqual(defaultPlugins('/home/me').find((p) => p.use === 'fs')?.config, { roots: ['/home/me'] });
  });

  it('refuses unknown keys, naming them, at the top and in a plugin entry', () => {
    refuses(() => parseAgentConfig({ routr: 'ws://x' }, 'config file a.yaml'), /^config file a\.yaml: .*"routr"/);
    refuses(() => parseAgentConfig({ plugins: [{ use: 'fs', restrat: 'always' }] }, 'f'), /plugins\.0: .*"restrat"/);
    refuses(() => parseAgentConfig({ plugins: [{ use: 'fs', restart: 'sometimes' }] }, 'f'), /plugins\.0\.restart/);
    refuses(() => parseAgentConfig({ router: 'not a url' }, 'f'), /router: must be a URL/);
    refuses(() => parseAgentConfig({ tags: { Room: 'x' } }, 'f'), /tags\.Room: a tag name is/);
    refuses(() => parseAgentConfig({ tags: { kind: 'x' } }, 'f'), /tags\.kind: "kind" is reserved/);
    refuses(() => parseAgentConfig({ shutdownDeadlineMs: -1 }, 'f'), /shutdownDeadlineMs/);
    refuses(() => resolveAgentSettings([{ plugins: [{ use: 'fs', backoff: { initialMs: 100, maxMs: 10 } }] }], {}), /plugins\.0\.backoff\.maxMs/);
  });

  it('layers file < env < flags; tags merge; plugin lists add up', () => {
    const file = parseAgentConfig({ router: 'ws://file/ws', name: 'file-name', tags: { room: 'attic', floor: '2' }, plugins: [{ use: 'system' }] }, 'f');
    const env = configFromEnv({ THOTH_URL: 'ws://env/ws', THOTH_TAGS: 'room=kitchen', THOTH_HEARTBEAT_INTERVAL_MS: '250' });
    const flags = parseAgentConfig({ name: 'flag-name', plugins: [{ use: 'fs' }] }, 'flags');
    const settings = resolveAgentSettings([file, env, flags], {});
    assert.equal(settings.router, 'ws://env/ws');
    assert.equal(settings.name, 'flag-name');
    assert.equal(settings.heartbeatIntervalMs, 250);
    assert.deepEqual(settings.tags, { room: 'kitchen', floor: '2' });
    assert.deepEqual(settings.plugins.map((p) => p.use), ['system', 'fs']);
    assert.deepEqual(resolveAgentSettings([{ plugins: [] }], {}).plugins, [], 'an empty list runs no plugin');
  });

  it('names the environment variable that is wrong', () => {
    refuses(() => configFromEnv({ THOTH_HEARTBEAT_INTERVAL_MS: 'soon' }), /^environment variable THOTH_HEARTBEAT_INTERVAL_MS:/);
    refuses(() => configFromEnv({ THOTH_LOG_LEVEL: 'loud' }), /^environment variable THOTH_LOG_LEVEL:/);
    refuses(() => configFromEnv({ THOTH_TAGS: 'room' }), /^THOTH_TAGS: expected key=value/);
  });

  it('the dht key: on by default only with a router on this machine; merged key by key; bad values named', () => {
    assert.deepEqual(resolveAgentSettings([], {}).dht, { enabled: true, host: '127.0.0.1', port: 0, maxBytes: 64 * 1024 * 1024 }, 'the default router is on loopback');
    assert.equal(resolveAgentSettings([{ router: 'unix:///run/thoth.sock' }], {}).dht.enabled, true);
    assert.equal(resolveAgentSettings([{ router: 'ws://[::1]:8080/ws' }], {}).dht.enabled, true);
    assert.equal(resolveAgentSettings([{ router: 'wss://hub.lan:8080/ws' }], {}).dht.enabled, false, 'another machine: off unless turned on');
    const file = parseAgentConfig({ router: 'ws://hub.lan:8080/ws', dht: { enabled: true, host: '0.0.0.0', maxBytes: 1000 } }, 'f');
    const env = configFromEnv({ THOTH_DHT_PORT: '4100' });
    const flags = parseAgentConfig({ dht: { host: '192.168.1.5' } }, 'flags');
    assert.deepEqual(resolveAgentSettings([file, env, flags], {}).dht, { enabled: true, host: '192.168.1.5', port: 4100, maxBytes: 1000 });
    assert.equal(resolveAgentSettings([configFromEnv({ THOTH_DHT: 'false' })], {}).dht.enabled, false);
    refuses(() => configFromEnv({ THOTH_DHT: 'maybe' }), /^environment variable THOTH_DHT: expected true or false, got "maybe"$/);
    refuses(() => configFromEnv({ THOTH_DHT_PORT: '70000' }), /^environment variable THOTH_DHT_PORT: expected a port number 0\.\.65535/);
    refuses(() => parseAgentConfig({ dht: { port: -1 } }, 'f'), /^f: dht\.port: /);
    refuses(() => parseAgentConfig({ dht: { enable: true } }, 'f'), /^f: .*"enable"/);
    assert.deepEqual(flagLayer({ dht: false }, undefined), { dht: { enabled: false } }, '--no-dht');
    assert.deepEqual(flagLayer({ dhtHost: '0.0.0.0', dhtPort: 4100 }, undefined), { dht: { host: '0.0.0.0', port: 4100 } });
    assert.throws(() => flagLayer({ dhtHost: '' }, undefined), /^CliError: --dht-host: /);
  });

  it('parses tags given as k=v', () => {
    assert.deepEqual(parseTags(['room=living', 'owner=a=b'], '--tag'), { room: 'living', owner: 'a=b' });
    refuses(() => parseTags(['=x'], '--tag'), /^--tag: expected key=value, got "=x"/);
    refuses(() => parseTags(['Bad=x'], '--tag'), /^--tag: Bad: a tag name is/);
  });

  it('reads YAML and JSON files; relative plugin paths resolve against the file', async () => {
    const dir = await dirs.make();
    const yamlFile = join(dir, 'agent.yaml');
    await writeFile(yamlFile, 'name: den\ntags:\n  room: den\nplugins:\n  - use: ./plugins/mine.js\n    restart: always\n  - use: media\n    config: { player: mpv }\n');
    const config = await loadAgentConfigFile(yamlFile);
    assert.equal(config.name, 'den');
    assert.equal(config.plugins?.[0]?.use, join(dir, 'plugins', 'mine.js'));
    assert.equal(config.plugins?.[1]?.use, 'media');
    const jsonFile = join(dir, 'agent.json');
    await writeFile(jsonFile, JSON.stringify({ realm: 'home', heartbeatIntervalMs: 1000 }));
    assert.deepEqual(await loadAgentConfigFile(jsonFile), { realm: 'home', heartbeatIntervalMs: 1000 });
  });

  it('names the file when it is missing, unparsable or invalid', async () => {
    const dir = await dirs.make();
    await assert.rejects(loadAgentConfigFile(join(dir, 'missing.yaml')), /cannot read config file .*missing\.yaml: ENOENT/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ nope');
    await assert.rejects(loadAgentConfigFile(bad), /config file .*bad\.json is not valid JSON/);
    const unknown = join(dir, 'unknown.yaml');
    await writeFile(unknown, 'heartbeat: 5\n');
    await assert.rejects(loadAgentConfigFile(unknown), /config file .*unknown\.yaml: .*"heartbeat"/);
  });
});
