import assert from 'node:assert/strict';
import { access, chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import notify, { notifyProcedures } from '../../src/plugins/notify/index.js';
import { captureLogger, isRemoteError, runPlugin, tempDir, type PluginRun } from './harness.js';

const names = Object.values(notifyProcedures).map((p) => p.name);

/** A notify-send stand-in: records its arguments (NUL-separated); the title 'fail' fails, 'hang' never ends. */
function standIn(record: string): string {
  return [
    '#!/bin/sh',
    `printf '%s\\0' "$@" > '${record}'`,
    'case "$4" in',
    "  fail) echo 'no notification daemon' >&2; exit 3 ;;",
    '  hang) exec sleep 600 ;;',
    'esac',
    '',
  ].join('\n');
}

describe('notify plugin with a notify-send stand-in', () => {
  let dir: string;
  let record: string;
  let run: PluginRun;
  const log = captureLogger();

  before(async () => {
    dir = await tempDir();
    record = join(dir, 'record');
    const command = join(dir, 'notify-send');
    await writeFile(command, standIn(record));
    await chmod(command, 0o755);
    run = await runPlugin(notify, names, { command, timeoutMs: 1000 }, log.logger);
  });
  after(async () => {
    await run.close();
    await rm(dir, { recursive: true, force: true });
  });

  const show = async (kwargs: Record<string, unknown>): Promise<unknown> => (await run.caller.call('notify.show', [], kwargs)).value;
  const recorded = async (): Promise<string[]> => (await readFile(record, 'utf8')).split('\0').slice(0, -1);

  it('runs the command with the notification as arguments', async () => {
    assert.deepEqual(await show({ title: 'Hello', body: 'World' }), { shown: true, logged: false });
    assert.deepEqual(await recorded(), ['--app-name=thoth', '--urgency=normal', '--', 'Hello', 'World']);
  });

  it('passes urgency, and titles that look like options or shell code stay plain arguments', async () => {
    assert.deepEqual(await show({ title: '-rf $(touch pwned)', urgency: 'critical' }), { shown: true, logged: false });
    assert.deepEqual(await recorded(), ['--app-name=thoth', '--urgency=critical', '--', '-rf $(touch pwned)']);
    await assert.rejects(access(join(dir, 'pwned')));
  });

  it('logs the notification when the command fails, with the reason', async () => {
    const result = await show({ title: 'fail', body: 'lost?' }) as { shown: boolean; logged: boolean; reason: string };
    assert.equal(result.shown, false);
    assert.equal(result.logged, true);
    assert.match(result.reason, /code 3: no notification daemon/);
    const line = await log.next((l) => l['msg'] === 'notification' && (l['notification'] as { title?: string }).title === 'fail');
    assert.deepEqual(line['notification'], { title: 'fail', body: 'lost?', urgency: 'normal' });
  });

  it('kills a command that does not finish in time, and logs the notification', async () => {
    const result = await show({ title: 'hang' }) as { shown: boolean; logged: boolean; reason: string };
    assert.deepEqual([result.shown, result.logged], [false, true]);
    assert.match(result.reason, /did not finish within 1000 ms/);
  });

  it('answers bad arguments with invalid_argument naming the field', async () => {
    await assert.rejects(show({}), isRemoteError('wamp.error.invalid_argument', '"title"'));
    await assert.rejects(show({ title: '' }), isRemoteError('wamp.error.invalid_argument', '"title"'));
    await assert.rejects(show({ title: 'x', urgency: 'extreme' }), isRemoteError('wamp.error.invalid_argument', '"urgency"'));
    await assert.rejects(show({ title: 'x', body: 7 }), isRemoteError('wamp.error.invalid_argument', '"body"'));
    await assert.rejects(show({ title: 'x', sound: 'bell' }), isRemoteError('wamp.error.invalid_argument', '"sound"'));
  });

  it('main() returns after abort and withdraws its procedure', async () => {
    run.controller.abort();
    await run.done;
    await assert.rejects(show({ title: 'late' }), isRemoteError('wamp.error.no_such_procedure'));
  });
});

describe('notify plugin without a notify command', () => {
  let run: PluginRun;
  const log = captureLogger();
  before(async () => { run = await runPlugin(notify, names, { command: 'thoth-test-no-such-notify-send' }, log.logger); });
  after(() => run.close());

  it('logs the notification instead and says so', async () => {
    const result = (await run.caller.call('notify.show', [], { title: 'Backup done', body: '12 GB', urgency: 'low' })).value;
    assert.deepEqual(result, { shown: false, logged: true, reason: 'thoth-test-no-such-notify-send was not found on PATH' });
    const line = await log.next((l) => l['msg'] === 'notification');
    assert.deepEqual(line['notification'], { title: 'Backup done', body: '12 GB', urgency: 'low' });
    assert.equal(line['level'], 30);
  });
});
