import assert from 'node:assert/strict';
import { mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Session } from '../../src/client/index.js';
import media, { MEDIA_STATUS_TOPIC, MediaErrorUri, mediaProcedures } from '../../src/plugins/media/index.js';
import { isRemoteError, runPlugin, tempDir, type PluginRun } from './harness.js';
import { PlayerProbe } from './player-probe.js';

const names = Object.values(mediaProcedures).map((p) => p.name);

type Status = { state: 'idle' | 'playing'; path?: string; startedAt?: number; pid?: number; device?: string; replaced?: string };

/** The media.on_status events, in order; next() skips events until one matches (awaiting it if need be). */
async function statusEvents(session: Session): Promise<{ next(match: (status: Status) => boolean): Promise<Status> }> {
  const queue: Status[] = [];
  let waiter: { match: (status: Status) => boolean; resolve: (status: Status) => void } | undefined;
  await session.subscribe(MEDIA_STATUS_TOPIC, ([status]) => {
    if (waiter === undefined) {
      queue.push(status as Status);
    } else if (waiter.match(status as Status)) {
      waiter.resolve(status as Status);
      waiter = undefined;
    }
  });
  return {
    next(match) {
      for (let status = queue.shift(); status !== undefined; status = queue.shift()) {
        if (match(status)) return Promise.resolve(status);
      }
      return new Promise((resolve) => { waiter = { match, resolve }; });
    },
  };
}

describe('media plugin with a fake player', () => {
  let dir: string;
  let music: string;
  let probe: PlayerProbe;
  let run: PluginRun;
  let events: Awaited<ReturnType<typeof statusEvents>>;

  before(async () => {
    dir = await realpath(await tempDir());
    music = join(dir, 'music');
    await mkdir(join(music, 'album'), { recursive: true });
    await writeFile(join(music, 'a.mp3'), 'a');
    await writeFile(join(music, 'b.mp3'), 'b');
    await writeFile(join(dir, 'outside.mp3'), 'o');
    await symlink(join(dir, 'outside.mp3'), join(music, 'link.mp3'));
    probe = await PlayerProbe.start(dir);
    run = await runPlugin(media, names, { player: probe.player(), roots: [music], stopGraceMs: 10_000 });
    events = await statusEvents(run.caller);
  });
  after(async () => {
    await run.close();
    await probe.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = async (procedure: string, kwargs: Record<string, unknown> = {}): Promise<Status & { stopped?: boolean }> =>
    (await run.caller.call(procedure, [], kwargs)).value as Status;

  it('is idle before anything plays', async () => {
    assert.deepEqual(await call('media.status'), { state: 'idle' });
    assert.deepEqual(await call('media.stop'), { stopped: false });
  });

  it('plays a file: spawns the player with its path and reports it', async () => {
    const before = Date.now();
    const playing = await call('media.play', { path: 'a.mp3' });
    const player = await probe.next();
    assert.deepEqual(player.argv, [probe.socketPath, join(music, 'a.mp3')]);
    assert.equal(playing.state, 'playing');
    assert.equal(playing.path, join(music, 'a.mp3'));
    assert.equal(playing.pid, player.pid);
    assert.ok(playing.startedAt !== undefined && playing.startedAt >= before && playing.startedAt <= Date.now());
    assert.deepEqual(await call('media.status'), playing);
    const event = await events.next((s) => s.state === 'playing' && s.pid === player.pid);
    assert.deepEqual(event, { device: 'test-device', ...playing });

    const stopped = await call('media.stop');
    assert.deepEqual(stopped, { stopped: true, path: join(music, 'a.mp3') });
    await player.gone;
    assert.deepEqual(await call('media.status'), { state: 'idle' });
    await events.next((s) => s.state === 'idle');
  });

  it('playing while playing stops the old player first', async () => {
    const first = await call('media.play', { path: join(music, 'a.mp3') });
    const firstPlayer = await probe.next();
    const second = await call('media.play', { path: 'b.mp3' });
    await firstPlayer.gone; // stopped before the second started
    const secondPlayer = await probe.next();
    assert.deepEqual(secondPlayer.argv, [probe.socketPath, join(music, 'b.mp3')]);
    assert.equal(second.replaced, first.path);
    assert.equal(second.pid, secondPlayer.pid);
    assert.equal((await call('media.status')).path, join(music, 'b.mp3'));
    await call('media.stop');
    await secondPlayer.gone;
  });

  it('the player exiting by itself ends the playback', async () => {
    await call('media.play', { path: 'a.mp3' });
    const player = await probe.next();
    await events.next((s) => s.state === 'playing' && s.pid === player.pid);
    player.exit(0);
    await player.gone;
    await events.next((s) => s.state === 'idle');
    assert.deepEqual(await call('media.status'), { state: 'idle' });
  });

  it('refuses files outside its roots, missing files and directories', async () => {
    await assert.rejects(call('media.play', { path: join(dir, 'outside.mp3') }), isRemoteError(MediaErrorUri.outsideRoot, 'outside.mp3'));
    await assert.rejects(call('media.play', { path: '../outside.mp3' }), isRemoteError(MediaErrorUri.outsideRoot, '../outside.mp3'));
    await assert.rejects(call('media.play', { path: 'link.mp3' }), isRemoteError(MediaErrorUri.outsideRoot, 'link.mp3'));
    await assert.rejects(call('media.play', { path: 'c.mp3' }), isRemoteError(MediaErrorUri.notFound, 'c.mp3'));
    await assert.rejects(call('media.play', { path: 'album' }), isRemoteError(MediaErrorUri.notAFile, 'album'));
    assert.deepEqual(await call('media.status'), { state: 'idle' });
  });

  it('answers bad arguments with invalid_argument naming the field', async () => {
    await assert.rejects(call('media.play'), isRemoteError('wamp.error.invalid_argument', '"path"'));
    await assert.rejects(call('media.play', { path: 3 }), isRemoteError('wamp.error.invalid_argument', '"path"'));
    await assert.rejects(call('media.stop', { now: true }), isRemoteError('wamp.error.invalid_argument', '"now"'));
    await assert.rejects(call('media.status', { verbose: 1 }), isRemoteError('wamp.error.invalid_argument', '"verbose"'));
  });

  it('aborting the plugin stops the player and main() returns', async () => {
    await call('media.play', { path: 'b.mp3' });
    const player = await probe.next();
    run.controller.abort();
    await run.done;
    await player.gone;
    await assert.rejects(call('media.status'), isRemoteError('wamp.error.no_such_procedure'));
  });
});

describe('media plugin with a player that ignores SIGTERM', () => {
  let dir: string;
  let probe: PlayerProbe;
  let run: PluginRun;
  before(async () => {
    dir = await realpath(await tempDir());
    await writeFile(join(dir, 'a.wav'), 'a');
    probe = await PlayerProbe.start(dir);
    run = await runPlugin(media, names, { player: probe.player('--ignore-term'), roots: [dir], stopGraceMs: 50 });
  });
  after(async () => {
    await run.close();
    await probe.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('kills it once the grace time is over', async () => {
    await run.caller.call('media.play', [], { path: 'a.wav' });
    const player = await probe.next();
    assert.deepEqual(player.argv, [probe.socketPath, '--ignore-term', join(dir, 'a.wav')]);
    assert.deepEqual((await run.caller.call('media.stop')).value, { stopped: true, path: join(dir, 'a.wav') });
    await player.gone;
  });
});

describe('media plugin without a player', () => {
  let dir: string;
  before(async () => {
    dir = await realpath(await tempDir());
    await mkdir(join(dir, 'empty-path'));
    await writeFile(join(dir, 'a.wav'), 'a');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('answers no_player when none is found on PATH', async () => {
    const run = await runPlugin(media, names, { roots: [dir] });
    const path = process.env['PATH'];
    process.env['PATH'] = join(dir, 'empty-path');
    try {
      await assert.rejects(run.caller.call('media.play', [], { path: 'a.wav' }), isRemoteError(MediaErrorUri.noPlayer, 'no player found on PATH'));
    } finally {
      process.env['PATH'] = path;
      await run.close();
    }
  });

  it('answers no_player when the configured player does not exist', async () => {
    const run = await runPlugin(media, names, { roots: [dir], player: [join(dir, 'no-such-player'), '--quiet'] });
    try {
      await assert.rejects(run.caller.call('media.play', [], { path: 'a.wav' }), isRemoteError(MediaErrorUri.noPlayer, 'no-such-player'));
      assert.deepEqual((await run.caller.call('media.status')).value, { state: 'idle' });
    } finally {
      await run.close();
    }
  });
});
