import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsErrorUri, fsProcedures } from '../../src/plugins/fs/index.js';
import { MediaErrorUri, mediaProcedures } from '../../src/plugins/media/index.js';
import { notifyProcedures } from '../../src/plugins/notify/index.js';
import { systemProcedures } from '../../src/plugins/system/index.js';
import { repoRoot } from '../support/repo-root.js';

const doc = (): Promise<string> => readFile(join(repoRoot(), 'docs', 'plugins.md'), 'utf8');

test('docs/plugins.md lists exactly the plugins\' error URIs', async () => {
  const documented = [...(await doc()).matchAll(/^\| `(thoth\.error\.[a-z_.]+)` \|/gm)].map((m) => m[1]);
  const catalogue = [...Object.values(FsErrorUri), ...Object.values(MediaErrorUri)];
  assert.deepEqual([...documented].sort(), [...catalogue].sort());
});

test('docs/plugins.md has a row for every procedure', async () => {
  const documented = [...(await doc()).matchAll(/^\| `([a-z]+\.[a-z_]+)` \|/gm)].map((m) => m[1]).filter((name) => !name?.startsWith('thoth.'));
  const procedures = [systemProcedures, fsProcedures, notifyProcedures, mediaProcedures].flatMap((set) => Object.values(set).map((p) => p.name));
  assert.deepEqual([...documented].sort(), [...procedures].sort());
});

test('builtinPlugins names each plugin by the name it declares', async () => {
  const { builtinPlugins } = await import('../../src/plugins/index.js');
  for (const [name, url] of Object.entries(builtinPlugins)) {
    const plugin = (await import(url.href) as { default: { name: string } }).default;
    assert.equal(plugin.name, name);
  }
});
