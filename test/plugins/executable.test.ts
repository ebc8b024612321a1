import assert from 'node:assert/strict';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findExecutable } from '../../src/plugins/common/executable.js';
import { DEFAULT_PLAYERS } from '../../src/plugins/media/index.js';
import { findDefaultPlayer } from '../../src/plugins/media/players.js';
import { tempDir } from './harness.js';

describe('findExecutable and findDefaultPlayer', () => {
  let dir: string;
  let first: string;
  let second: string;
  before(async () => {
    dir = await tempDir();
    first = join(dir, 'first');
    second = join(dir, 'second');
    await mkdir(first);
    await mkdir(second);
    await writeFile(join(first, 'tool'), 'not executable');
    await writeFile(join(second, 'tool'), '#!/bin/sh\n');
    await chmod(join(second, 'tool'), 0o755);
    await mkdir(join(first, 'aplay')); // a directory is not a command
    await writeFile(join(second, 'aplay'), '#!/bin/sh\n');
    await chmod(join(second, 'aplay'), 0o755);
    await writeFile(join(second, 'paplay'), '#!/bin/sh\n');
    await chmod(join(second, 'paplay'), 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('finds the first executable file of that name along the search path', async () => {
    assert.equal(await findExecutable('tool', [first, '', second].join(delimiter)), join(second, 'tool'));
    assert.equal(await findExecutable('tool', first), undefined);
    assert.equal(await findExecutable('missing', [first, second].join(delimiter)), undefined);
    assert.equal(await findExecutable('', second), undefined);
  });

  it('takes a command with a slash as a path', async () => {
    assert.equal(await findExecutable(join(second, 'tool'), ''), join(second, 'tool'));
    assert.equal(await findExecutable(join(first, 'tool'), second), undefined);
  });

  it('picks the first default player found, in the documented order', async () => {
    assert.deepEqual(DEFAULT_PLAYERS.map((p) => p[0]), ['mpv', 'ffplay', 'paplay', 'aplay']);
    assert.deepEqual(await findDefaultPlayer([first, second].join(delimiter)), [join(second, 'paplay')]);
    assert.equal(await findDefaultPlayer(first), undefined);
  });
});
