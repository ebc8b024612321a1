import { spawn, type ChildProcess } from 'node:child_process';
import { RemoteError } from '../../client/index.js';
import type { Logger } from '../../observability/logger.js';
import { MediaErrorUri } from './errors.js';
import type { PlaybackStatus } from './procedures.js';

export interface PlaybackOptions {
  logger: Logger;
  /** After SIGTERM, a player gets this long to exit before SIGKILL. */
  stopGraceMs: number;
  /** Called on every change: playing (a new file) and idle (the player exited or was stopped). */
  onChange: (status: PlaybackStatus) => void;
  now?: () => number;
}

/** The file to play: `path` as the caller knows it, `real` as handed to the player. */
export interface MediaFile {
  path: string;
  real: string;
}

interface Current {
  child: ChildProcess;
  path: string;
  pid: number;
  startedAt: number;
  stopping: boolean;
  exited: Promise<void>;
}

/** Kept of a player's stderr, logged when it fails. */
const STDERR_TAIL = 2048;

/**
 * One playback at a time through a player process. play() stops what plays
 * first; the player exiting by itself ends the playback; close() stops it
 * for good. Operations run one after the other, in call order.
 */
export class Playback {
  private current: Current | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: PlaybackOptions) {
    this.now = options.now ?? Date.now;
  }

  status(): PlaybackStatus {
    const current = this.current;
    if (current === undefined) return { state: 'idle' };
    return { state: 'playing', path: current.path, startedAt: current.startedAt, pid: current.pid };
  }

  /** Start `player` (command and arguments) with the file's real path appended. */
  play(player: readonly string[], file: MediaFile): Promise<PlaybackStatus & { replaced?: string }> {
    return this.serialize(async () => {
      if (this.closed) throw new RemoteError(MediaErrorUri.playerFailed, ['the media plugin is stopping']);
      const replaced = await this.stopCurrent();
      await this.start(player, file);
      return replaced === undefined ? this.status() : { ...this.status(), replaced };
    });
  }

  stop(): Promise<{ stopped: boolean; path?: string }> {
    return this.serialize(async () => {
      const path = await this.stopCurrent();
      return path === undefined ? { stopped: false } : { stopped: true, path };
    });
  }

  /** Stop the player, and refuse to play from now on. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    return this.serialize(async () => { await this.stopCurrent(); });
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private start(player: readonly string[], file: MediaFile): Promise<void> {
    const [command, ...args] = player;
    if (command === undefined) return Promise.reject(new RemoteError(MediaErrorUri.noPlayer, ['no player command configured']));
    return new Promise((resolve, reject) => {
      const child = spawn(command, [...args, file.real], { stdio: ['ignore', 'ignore', 'pipe'], shell: false });
      let stderr = '';
      let spawned = false;
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-STDERR_TAIL); });
      const exited = new Promise<void>((done) => {
        child.once('exit', (code, signal) => {
          if (spawned) this.ended(current, code, signal, stderr);
          done();
        });
      });
      const current: Current = { child, path: file.path, pid: 0, startedAt: 0, stopping: false, exited };
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (spawned) {
          this.options.logger.warn({ err: error, path: file.path }, 'media player error');
          return;
        }
        reject(error.code === 'ENOENT'
          ? new RemoteError(MediaErrorUri.noPlayer, [`player not found: ${command}`], { command })
          : new RemoteError(MediaErrorUri.playerFailed, [`player ${command} could not start: ${error.message}`], { command, code: error.code ?? null }));
      });
      child.once('spawn', () => {
        spawned = true;
        current.pid = child.pid ?? 0;
        current.startedAt = this.now();
        this.current = current;
        this.options.logger.info({ path: file.path, pid: current.pid, player: command }, 'playback started');
        this.options.onChange(this.status());
        resolve();
      });
    });
  }

  private ended(current: Current, code: number | null, signal: NodeJS.Signals | null, stderr: string): void {
    const fields = { path: current.path, pid: current.pid, code, signal };
    if (current.stopping || code === 0) this.options.logger.info(fields, 'playback ended');
    else this.options.logger.warn({ ...fields, stderr: stderr.trim() }, 'media player failed');
    if (this.current !== current) return;
    this.current = undefined;
    this.options.onChange(this.status());
  }

  /** Stop the player if one runs: SIGTERM, SIGKILL after the grace time. Resolves with its file once it has exited. */
  private async stopCurrent(): Promise<string | undefined> {
    const current = this.current;
    if (current === undefined) return undefined;
    current.stopping = true;
    current.child.kill('SIGTERM');
    const timer = setTimeout(() => current.child.kill('SIGKILL'), this.options.stopGraceMs);
    try {
      await current.exited;
    } finally {
      clearTimeout(timer);
    }
    return current.path;
  }
}
