import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallResult } from '../../src/client/index.js';
import fsPlugin, { FsErrorUri, fsProcedures } from '../../src/plugins/fs/index.js';
import { captureLogger, isRemoteError, runPlugin, tempDir, type PluginRun } from './harness.js';

const names = Object.values(fsProcedures).map((p) => p.name);
const CHUNK = 64 * 1024;

interface Listed { path: string; entries: Array<{ name: string; type: string; size: number; mtime: number }>; truncated: boolean }

/**
 * base/root          the files; the plugin's root is base/rootlink, a symlink to it
 * base/outside       never reachable
 */
describe('fs plugin', () => {
  let base: string;
  let root: string;
  let rootLink: string;
  let outside: string;
  let big: Buffer;
  let run: PluginRun;

  before(async () => {
    base = await tempDir();
    root = join(base, 'root');
    rootLink = join(base, 'rootlink');
    outside = join(base, 'outside');
    await mkdir(join(root, 'Music', 'sub'), { recursive: true });
    await mkdir(join(root, 'empty'));
    await mkdir(outside);
    await writeFile(join(root, 'a.txt'), 'hello\n');
    big = randomBytes(3 * CHUNK + 1234);
    await writeFile(join(root, 'big.bin'), big);
    await writeFile(join(root, 'Music', 'x.mp3'), 'x');
    await writeFile(join(root, 'Music', 'sub', 'y.mp3'), 'yy');
    await writeFile(join(root, 'Music', '.hidden.mp3'), 'h');
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await writeFile(join(outside, 'z.mp3'), 'z');
    await symlink(join(outside, 'secret.txt'), join(root, 'link-out'));
    await symlink(outside, join(root, 'dir-out'));
    await symlink(join(outside, 'created-through-link.txt'), join(root, 'dangling'));
    await symlink('a.txt', join(root, 'link-in'));
    await symlink(root, rootLink);
    run = await runPlugin(fsPlugin, names, { roots: [rootLink] });
  });
  after(async () => {
    await run.close();
    await rm(base, { recursive: true, force: true });
  });

  const call = async (procedure: string, kwargs: Record<string, unknown>): Promise<unknown> => (await run.caller.call(procedure, [], kwargs)).value;

  describe('fs.list', () => {
    it('lists the first root by default, sorted, without following symlinks', async () => {
      const listed = await call('fs.list', {}) as Listed;
      assert.equal(listed.path, rootLink);
      assert.equal(listed.truncated, false);
      assert.deepEqual(listed.entries.map((e) => [e.name, e.type]), [
        ['Music', 'directory'], ['a.txt', 'file'], ['big.bin', 'file'], ['dangling', 'symlink'],
        ['dir-out', 'symlink'], ['empty', 'directory'], ['link-in', 'symlink'], ['link-out', 'symlink'],
      ]);
      const bigEntry = listed.entries.find((e) => e.name === 'big.bin');
      assert.equal(bigEntry?.size, big.length);
      assert.ok(typeof bigEntry?.mtime === 'number' && bigEntry.mtime > 0);
    });

    it('takes relative and absolute paths, and a limit', async () => {
      const music = await call('fs.list', { path: 'Music' }) as Listed;
      assert.deepEqual(music.entries.map((e) => e.name), ['.hidden.mp3', 'sub', 'x.mp3']);
      const real = await call('fs.list', { path: join(root, 'Music'), limit: 2 }) as Listed;
      assert.equal(real.path, join(root, 'Music'));
      assert.deepEqual(real.entries.map((e) => e.name), ['.hidden.mp3', 'sub']);
      assert.equal(real.truncated, true);
      assert.deepEqual((await call('fs.list', { path: 'empty' }) as Listed).entries, []);
    });

    it('answers not_found and not_a_directory', async () => {
      await assert.rejects(call('fs.list', { path: 'nope' }), isRemoteError(FsErrorUri.notFound, 'nope'));
      await assert.rejects(call('fs.list', { path: 'a.txt' }), isRemoteError(FsErrorUri.notADirectory, 'a.txt'));
    });
  });

  describe('fs.stat', () => {
    it('describes files and directories, following symlinks inside the roots', async () => {
      const file = await call('fs.stat', { path: 'a.txt' }) as Record<string, unknown>;
      assert.equal(file['type'], 'file');
      assert.equal(file['size'], 6);
      assert.equal(file['path'], join(rootLink, 'a.txt'));
      assert.equal(file['realPath'], join(root, 'a.txt'));
      assert.equal(typeof file['mode'], 'number');
      const linked = await call('fs.stat', { path: join(rootLink, 'link-in') }) as Record<string, unknown>;
      assert.equal(linked['type'], 'file');
      assert.equal(linked['realPath'], join(root, 'a.txt'));
      assert.equal((await call('fs.stat', { path: 'Music' }) as Record<string, unknown>)['type'], 'directory');
      assert.equal((await call('fs.stat', { path: 'Music/sub/../x.mp3' }) as Record<string, unknown>)['size'], 1);
    });

    it('answers not_found naming the path', async () => {
      await assert.rejects(call('fs.stat', { path: 'Music/none.mp3' }), isRemoteError(FsErrorUri.notFound, 'Music/none.mp3'));
    });
  });

  describe('confinement', () => {
    const escapes = (): Array<[string, string]> => [
      ['.. out of the root', '../outside/secret.txt'],
      ['.. deeper in the path', 'Music/../../outside/secret.txt'],
      ['an absolute path elsewhere', join(outside, 'secret.txt')],
      ['the file system root', '/etc/passwd'],
      ['a symlink to a file outside', 'link-out'],
      ['a file below a symlinked directory outside', 'dir-out/secret.txt'],
      ['the symlinked directory itself', 'dir-out'],
      ['a dangling symlink to outside', 'dangling'],
    ];

    it('refuses every escape, for every procedure, naming the path', async () => {
      for (const [what, path] of escapes()) {
        const outsideRoot = isRemoteError(FsErrorUri.outsideRoot, path);
        await assert.rejects(call('fs.stat', { path }), outsideRoot, `stat: ${what}`);
        await assert.rejects(call('fs.list', { path }), outsideRoot, `list: ${what}`);
        await assert.rejects(call('fs.read', { path }), outsideRoot, `read: ${what}`);
        await assert.rejects(call('fs.write', { path, data: 'x' }), outsideRoot, `write: ${what}`);
        await assert.rejects(call('fs.find', { root: path, pattern: '*' }), outsideRoot, `find: ${what}`);
      }
      assert.equal(await readFile(join(outside, 'secret.txt'), 'utf8'), 'secret');
    });

    it('refuses to create a file through a symlinked parent or a dangling symlink', async () => {
      await assert.rejects(call('fs.write', { path: 'dir-out/new.txt', data: 'x' }), isRemoteError(FsErrorUri.outsideRoot, 'dir-out/new.txt'));
      await assert.rejects(call('fs.write', { path: 'dangling', data: 'x' }), isRemoteError(FsErrorUri.outsideRoot, 'dangling'));
      await assert.rejects(readFile(join(outside, 'new.txt')), { code: 'ENOENT' });
      await assert.rejects(readFile(join(outside, 'created-through-link.txt')), { code: 'ENOENT' });
    });

    it('does not reveal whether a path outside exists', async () => {
      await assert.rejects(call('fs.stat', { path: join(outside, 'missing') }), isRemoteError(FsErrorUri.outsideRoot));
    });

    it('accepts a root given through a symlink and its real path alike', async () => {
      assert.equal((await call('fs.stat', { path: join(rootLink, 'a.txt') }) as Record<string, unknown>)['size'], 6);
      assert.equal((await call('fs.stat', { path: join(root, 'a.txt') }) as Record<string, unknown>)['size'], 6);
      assert.equal((await call('fs.stat', { path: rootLink }) as Record<string, unknown>)['type'], 'directory');
    });
  });

  describe('fs.find', () => {
    const paths = (result: unknown): string[] => (result as { matches: Array<{ path: string }> }).matches.map((m) => m.path).sort();

    it('matches globs below the first root, skipping dot files and never following symlinks', async () => {
      const found = await call('fs.find', { pattern: '**/*.mp3' }) as { root: string; matches: Array<{ path: string; type: string; size: number }>; truncated: boolean };
      assert.equal(found.root, rootLink);
      assert.deepEqual(paths(found), [join(rootLink, 'Music', 'sub', 'y.mp3'), join(rootLink, 'Music', 'x.mp3')]);
      assert.equal(found.truncated, false);
      assert.deepEqual(found.matches.find((m) => m.path.endsWith('y.mp3'))?.size, 2);
      assert.deepEqual(paths(await call('fs.find', { pattern: 'Music/*.mp3' })), [join(rootLink, 'Music', 'x.mp3')]);
      assert.deepEqual(paths(await call('fs.find', { pattern: '*.{txt,bin}' })), [join(rootLink, 'a.txt'), join(rootLink, 'big.bin')]);
      assert.deepEqual(paths(await call('fs.find', { pattern: 'link-*' })), [join(rootLink, 'link-in'), join(rootLink, 'link-out')]);
    });

    it('takes a root and a limit', async () => {
      assert.deepEqual(paths(await call('fs.find', { root: 'Music', pattern: '*.mp3' })), [join(rootLink, 'Music', 'x.mp3')]);
      const limited = await call('fs.find', { pattern: '**/*.mp3', limit: 1 }) as { matches: unknown[]; truncated: boolean };
      assert.equal(limited.matches.length, 1);
      assert.equal(limited.truncated, true);
      await assert.rejects(call('fs.find', { root: 'a.txt', pattern: '*' }), isRemoteError(FsErrorUri.notADirectory));
    });

    it('refuses patterns that climb or are absolute', async () => {
      await assert.rejects(call('fs.find', { pattern: '../outside/*' }), isRemoteError('wamp.error.invalid_argument', '"pattern"'));
      await assert.rejects(call('fs.find', { pattern: '/etc/*' }), isRemoteError('wamp.error.invalid_argument', '"pattern"'));
    });
  });

  describe('fs.read', () => {
    const collect = async (kwargs: Record<string, unknown>): Promise<{ progress: CallResult[]; final: CallResult }> => {
      const progress: CallResult[] = [];
      let final: CallResult | undefined;
      for await (const result of run.caller.callProgressive('fs.read', [], kwargs)) {
        if (result.progress) progress.push(result);
        else final = result;
      }
      assert.ok(final);
      return { progress, final };
    };

    it('streams a file in chunks of maxReadChunkBytes that reassemble to it', async () => {
      const { progress, final } = await collect({ path: 'big.bin' });
      const chunks = progress.map((r) => r.value as { data: Buffer; offset: number });
      assert.deepEqual(chunks.map((c) => c.offset), [0, CHUNK, 2 * CHUNK, 3 * CHUNK]);
      assert.deepEqual(chunks.map((c) => c.data.length), [CHUNK, CHUNK, CHUNK, 1234]);
      assert.ok(Buffer.concat(chunks.map((c) => c.data)).equals(big));
      assert.deepEqual(final.value, { size: big.length, chunks: 4 });
    });

    it('reads a range given by offset and length', async () => {
      const { progress, final } = await collect({ path: 'big.bin', offset: 1000, length: CHUNK + 10 });
      const chunks = progress.map((r) => r.value as { data: Buffer; offset: number });
      assert.deepEqual(chunks.map((c) => c.offset), [1000, 1000 + CHUNK]);
      assert.ok(Buffer.concat(chunks.map((c) => c.data)).equals(big.subarray(1000, 1000 + CHUNK + 10)));
      assert.deepEqual(final.value, { size: CHUNK + 10, chunks: 2 });
      assert.deepEqual((await collect({ path: 'big.bin', offset: big.length + 5 })).final.value, { size: 0, chunks: 0 });
    });

    it('answers the bytes in the result when the caller asks for no progressive results', async () => {
      const result = await call('fs.read', { path: 'a.txt' }) as { size: number; chunks: number; data: Buffer };
      assert.equal(result.data.toString('utf8'), 'hello\n');
      assert.deepEqual([result.size, result.chunks], [6, 0]);
      const part = await call('fs.read', { path: 'big.bin', offset: 10, length: 20 }) as { data: Buffer };
      assert.ok(part.data.equals(big.subarray(10, 30)));
      await assert.rejects(call('fs.read', { path: 'big.bin' }), isRemoteError(FsErrorUri.tooLarge, 'big.bin'));
    });

    it('answers not_a_file and not_found', async () => {
      await assert.rejects(call('fs.read', { path: 'Music' }), isRemoteError(FsErrorUri.notAFile, 'Music'));
      await assert.rejects(collect({ path: 'none.bin' }), isRemoteError(FsErrorUri.notFound, 'none.bin'));
    });
  });

  describe('fs.write', () => {
    it('creates, replaces and appends, with text or bytes', async () => {
      assert.deepEqual(await call('fs.write', { path: 'new.txt', data: 'one' }), { path: join(rootLink, 'new.txt'), size: 3, created: true });
      assert.deepEqual(await call('fs.write', { path: 'new.txt', data: 'two' }), { path: join(rootLink, 'new.txt'), size: 3, created: false });
      assert.equal(await readFile(join(root, 'new.txt'), 'utf8'), 'two');
      await call('fs.write', { path: join(root, 'new.txt'), data: Buffer.from([0, 255, 10]), append: true });
      assert.ok((await readFile(join(root, 'new.txt'))).equals(Buffer.from([0x74, 0x77, 0x6f, 0, 255, 10])));
      assert.equal((await call('fs.write', { path: 'Music/sub/z.txt', data: 'é' }) as { size: number }).size, 2);
    });

    it('answers not_found for a missing parent and not_a_file for a directory', async () => {
      await assert.rejects(call('fs.write', { path: 'no/such/dir.txt', data: 'x' }), isRemoteError(FsErrorUri.notFound, 'no/such/dir.txt'));
      await assert.rejects(call('fs.write', { path: 'Music', data: 'x' }), isRemoteError(FsErrorUri.notAFile, 'Music'));
    });
  });

  it('answers bad arguments with invalid_argument naming the field', async () => {
    const invalid = (field: string) => isRemoteError('wamp.error.invalid_argument', `"${field}"`);
    await assert.rejects(call('fs.stat', {}), invalid('path'));
    await assert.rejects(call('fs.stat', { path: '' }), invalid('path'));
    await assert.rejects(call('fs.stat', { path: 'a\0b' }), invalid('path'));
    await assert.rejects(call('fs.list', { path: 'Music', depth: 2 }), invalid('depth'));
    await assert.rejects(call('fs.list', { limit: 0 }), invalid('limit'));
    await assert.rejects(call('fs.read', { path: 'a.txt', offset: -1 }), invalid('offset'));
    await assert.rejects(call('fs.read', { path: 'a.txt', length: 1.5 }), invalid('length'));
    await assert.rejects(call('fs.write', { path: 'a.txt', data: 42 }), invalid('data'));
    await assert.rejects(call('fs.write', { path: 'a.txt', data: 'x', append: 'yes' }), invalid('append'));
    await assert.rejects(call('fs.find', {}), invalid('pattern'));
  });

  it('main() returns after abort and withdraws its procedures', async () => {
    run.controller.abort();
    await run.done;
    await assert.rejects(run.caller.call('fs.stat', [], { path: 'a.txt' }), isRemoteError('wamp.error.no_such_procedure'));
  });
});

describe('fs plugin, read-only with small chunks', () => {
  let base: string;
  let run: PluginRun;
  const log = captureLogger();
  const HUGE = 1024 ** 3;

  before(async () => {
    base = await tempDir();
    await writeFile(join(base, 'kept.txt'), 'kept');
    await writeFile(join(base, 'huge.bin'), '');
    await truncate(join(base, 'huge.bin'), HUGE); // sparse: takes no space
    run = await runPlugin(fsPlugin, names, { roots: [base], maxReadChunkBytes: 4096, allowWrite: false }, log.logger);
  });
  after(async () => {
    await run.close();
    await rm(base, { recursive: true, force: true });
  });

  it('refuses writes with read_only', async () => {
    await assert.rejects(run.caller.call('fs.write', [], { path: 'kept.txt', data: 'gone' }), isRemoteError(FsErrorUri.readOnly, 'kept.txt'));
    await assert.rejects(run.caller.call('fs.write', [], { path: 'new.txt', data: 'x' }), isRemoteError(FsErrorUri.readOnly));
    assert.equal(await readFile(join(base, 'kept.txt'), 'utf8'), 'kept');
  });

  it('stops reading when the call is canceled', { timeout: 30_000 }, async () => {
    let first: { data: Buffer; offset: number } | undefined;
    for await (const result of run.caller.callProgressive('fs.read', [], { path: 'huge.bin' })) {
      first = result.value as { data: Buffer; offset: number };
      break; // leaving the loop cancels the call
    }
    assert.equal(first?.offset, 0);
    assert.equal(first?.data.length, 4096);
    const stopped = await log.next((line) => line['msg'] === 'fs.read stopped: the call was canceled');
    assert.equal(stopped['path'], join(base, 'huge.bin'));
    assert.ok(typeof stopped['size'] === 'number' && stopped['size'] >= 4096 && stopped['size'] < HUGE);
  });
});
