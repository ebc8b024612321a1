import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRouterConfig } from '../../src/cli/config.js';
import { CliError } from '../../src/cli/errors.js';

describe('router config files', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  test('YAML and JSON configs load with their values', async () => {
    const yaml = await write('a.yaml', 'realms: [home]\nwebsocket: { port: 9000 }\nrawsocket: false\nlimits: { maxCallsInFlight: 5 }\n');
    const config = await loadRouterConfig(yaml);
    assert.deepEqual(config.realms, ['home']);
    assert.deepEqual(config.websocket, { port: 9000 });
    assert.equal(config.rawsocket, false);
    assert.equal(config.limits?.maxCallsInFlight, 5);
    const json = await write('b.json', '{"logLevel": "debug", "unix": {"path": "/tmp/x.sock"}}');
    assert.deepEqual(await loadRouterConfig(json), { logLevel: 'debug', unix: { path: '/tmp/x.sock' } });
  });

  test('an empty file is the defaults', async () => {
    assert.deepEqual(await loadRouterConfig(await write('empty.yaml', '')), {});
  });

  for (const [name, text, pattern] of [
    ['unknown key', 'websocket: { prot: 9000 }\n', /websocket.*prot|prot.*websocket/],
    ['unknown top-level key', 'realm: thoth\n', /realm/],
    ['bad type', 'limits: { maxCallsInFlight: lots }\n', /limits\.maxCallsInFlight/],
    ['port out of range', 'rawsocket: { port: 70000 }\n', /rawsocket\.port/],
    ['bad log level', 'logLevel: loud\n', /logLevel/],
  ] as const) {
    test(`${name} is refused, naming the key`, async () => {
      const path = await write(`${name.replace(/ /g, '-')}.yaml`, text);
      await assert.rejects(loadRouterConfig(path), (error: unknown) => error instanceof CliError && pattern.test(error.message) && error.message.includes(path));
    });
  }

  test('invalid YAML and JSON, and a missing file, are one-line errors naming the file', async () => {
    const badYaml = await write('bad.yaml', 'websocket: [unclosed\n');
    await assert.rejects(loadRouterConfig(badYaml), /is not valid YAML/);
    const badJson = await write('bad.json', '{"a":');
    await assert.rejects(loadRouterConfig(badJson), /is not valid JSON/);
    await assert.rejects(loadRouterConfig(join(dir, 'nope.yaml')), /cannot read config file .*nope\.yaml: ENOENT/);
  });
});
