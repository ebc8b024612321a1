import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { resolvePluginSpec } from '../../src/agent/config.js';
import { AgentError } from '../../src/agent/errors.js';
import { applyPluginFlags, derivePluginFlags, describePluginFlags, splitPluginFlags } from '../../src/agent/plugin-flags.js';
import { preparePlugin, preparePlugins } from '../../src/agent/prepare.js';
import { fixture } from './support.js';

const schema = z.strictObject({
  roots: z.array(z.string()).default([]).describe('folders to serve'),
  player: z.enum(['mpv', 'vlc']).optional(),
  volume: z.number().min(0).max(100).default(80),
  muted: z.boolean().default(false),
  label: z.string(),
  nested: z.object({ a: z.string() }).optional(),
  numbers: z.array(z.number()).optional(),
});

function fails(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof AgentError && error.code === code && pattern.test(error.message), `expected ${code} matching ${pattern}`);
}

describe('per-plugin flags derived from the config schema', () => {
  it('derives one flag per top-level key of a supported type', () => {
    const flags = derivePluginFlags(schema);
    assert.deepEqual(flags.map((f) => [f.key, f.kind]), [['roots', 'list'], ['player', 'enum'], ['volume', 'number'], ['muted', 'boolean'], ['label', 'string']]);
    assert.deepEqual(flags.find((f) => f.key === 'player')?.choices, ['mpv', 'vlc']);
    assert.equal(flags.find((f) => f.key === 'roots')?.description, 'folders to serve');
    assert.equal(flags.find((f) => f.key === 'volume')?.defaultValue, 80);
    assert.deepEqual(derivePluginFlags(z.string()), [], 'a schema that is not an object has no flags');
  });

  it('lists them for --help', () => {
    const lines = describePluginFlags('media', derivePluginFlags(schema));
    assert.ok(lines.some((l) => /--media\.roots <a,b,...>\s+folders to serve; default: \[\]/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('--media.player <mpv|vlc>')));
    assert.ok(lines.some((l) => l.includes('--media.muted [true|false]')));
  });

  it('splits --plugin.key value, --plugin.key=value and bare flags out of the leftover arguments', () => {
    assert.deepEqual(splitPluginFlags(['--fs.roots', '/a,/b', '--media.muted', '--media.volume=5', '--media.player', 'vlc']), [
      { plugin: 'fs', key: 'roots', value: '/a,/b' },
      { plugin: 'media', key: 'muted', value: undefined },
      { plugin: 'media', key: 'volume', value: '5' },
      { plugin: 'media', key: 'player', value: 'vlc' },
    ]);
    fails(() => splitPluginFlags(['--bogus']), 'invalid_config', /unknown option --bogus/);
    fails(() => splitPluginFlags(['stray']), 'invalid_config', /unexpected argument "stray"/);
  });

  it('applies flags over the config: typed, lists split on commas and appended when repeated', () => {
    const flags = derivePluginFlags(schema);
    const raw = splitPluginFlags(['--media.roots', '/a,/b', '--media.roots', '/c', '--media.volume', '7', '--media.muted', '--media.player', 'vlc', '--fs.label', 'other plugin']);
    assert.deepEqual(applyPluginFlags('media', flags, raw, { label: 'x', roots: ['/old'] }), {
      label: 'x', roots: ['/a', '/b', '/c'], volume: 7, muted: true, player: 'vlc',
    });
    assert.deepEqual(applyPluginFlags('media', flags, splitPluginFlags(['--media.muted', 'false']), {}), { muted: false });
  });

  it('names the plugin and the flag when a value is wrong or the key has no flag', () => {
    const flags = derivePluginFlags(schema);
    fails(() => applyPluginFlags('media', flags, splitPluginFlags(['--media.volume', 'loud']), {}), 'plugin_config', /^--media\.volume: expected a number, got "loud"/);
    fails(() => applyPluginFlags('media', flags, splitPluginFlags(['--media.player', 'winamp']), {}), 'plugin_config', /^--media\.player: expected one of mpv, vlc/);
    fails(() => applyPluginFlags('media', flags, splitPluginFlags(['--media.muted', 'maybe']), {}), 'plugin_config', /^--media\.muted: expected true or false/);
    fails(() => applyPluginFlags('media', flags, splitPluginFlags(['--media.label']), {}), 'plugin_config', /^--media\.label: needs a value/);
    fails(() => applyPluginFlags('media', flags, splitPluginFlags(['--media.nested', 'x']), {}), 'plugin_config', /^--media\.nested: the plugin media has no config key "nested" settable by flag \(its flags: --media\.roots/);
  });
});

describe('preparing plugins (module, config, flags)', () => {
  it('validates the config with the flags applied', async () => {
    const plugin = await preparePlugin(resolvePluginSpec({ use: fixture('good'), config: { greeting: 'hey' } }), splitPluginFlags(['--good.times', '3', '--good.mode', 'fancy']));
    assert.equal(plugin.name, 'good');
    assert.deepEqual(plugin.config, { greeting: 'hey', times: 3, mode: 'fancy' });
    assert.deepEqual(plugin.flags.map((f) => f.key), ['greeting', 'times', 'loud', 'mode', 'words']);
  });

  it('refuses a bad config naming the plugin and the key', async () => {
    await assert.rejects(preparePlugin(resolvePluginSpec({ use: fixture('good'), name: 'echo2', config: { times: 0 } })),
      (e: unknown) => e instanceof AgentError && e.code === 'plugin_config' && /^plugin echo2: config key "times": /.test(e.message));
    await assert.rejects(preparePlugin(resolvePluginSpec({ use: fixture('good'), config: { colour: 'red' } })),
      (e: unknown) => e instanceof AgentError && e.code === 'plugin_config' && /^plugin good: config: .*"colour"/.test(e.message));
    await assert.rejects(preparePlugin(resolvePluginSpec({ use: fixture('good') }), splitPluginFlags(['--good.times', '0'])),
      (e: unknown) => e instanceof AgentError && /^plugin good: config key "times"/.test(e.message));
  });

  it('refuses modules that are missing or not plugins', async () => {
    await assert.rejects(preparePlugin(resolvePluginSpec({ use: '/nonexistent/plugin.js' })), (e: unknown) => e instanceof AgentError && e.code === 'plugin_load' && e.message.includes('/nonexistent/plugin.js'));
    await assert.rejects(preparePlugin(resolvePluginSpec({ use: 'thoth-no-such-package' })), (e: unknown) => e instanceof AgentError && e.code === 'plugin_load');
    await assert.rejects(preparePlugin(resolvePluginSpec({ use: fixture('not-a-plugin') })),
      (e: unknown) => e instanceof AgentError && e.code === 'plugin_load' && /is not a thoth plugin.*modalities/.test(e.message));
  });

  it('refuses two plugins of one name and flags for a plugin not configured', async () => {
    await assert.rejects(preparePlugins([resolvePluginSpec({ use: fixture('good') }), resolvePluginSpec({ use: fixture('good') })]),
      (e: unknown) => e instanceof AgentError && e.code === 'plugin_name' && e.message.includes('"good"'));
    await assert.rejects(preparePlugins([resolvePluginSpec({ use: fixture('good') })], splitPluginFlags(['--fs.roots', '/x'])),
      (e: unknown) => e instanceof AgentError && /^--fs\.roots: no plugin named "fs" is configured \(plugins: good\)/.test(e.message));
  });

  it('loads every built-in plugin by name', async () => {
    const plugins = await preparePlugins(['system', 'notify', 'fs', 'media'].map((use) => resolvePluginSpec({ use, config: use === 'fs' ? { roots: ['/tmp'] } : {} })));
    assert.deepEqual(plugins.map((p) => p.definition.name), ['system', 'notify', 'fs', 'media']);
  });
});
