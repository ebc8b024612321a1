import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultRouterUrl, openSession } from '../../src/cli/client-options.js';
import { ownerSocketPath } from '../../src/common/paths.js';
import { Router } from '../../src/router/index.js';

test('client commands without --url find the owner socket of a router using this data dir', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'thoth-owner-'));
  const router = new Router({ shutdownTimeoutMs: 500 });
  await router.listen({ unix: { path: ownerSocketPath(dataDir) } });
  const saved = process.env['THOTH_DATA_DIR'];
  process.env['THOTH_DATA_DIR'] = dataDir;
  t.after(async () => {
    if (saved === undefined) delete process.env['THOTH_DATA_DIR'];
    else process.env['THOTH_DATA_DIR'] = saved;
    await router.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const session = await openSession({ url: defaultRouterUrl, realm: 'thoth', serializer: 'json' });
  const me = (await session.call('wamp.session.get', [session.id])).value as { transport: { type: string; peer: string } };
  assert.deepEqual([me.transport.type, me.transport.peer], ['rawsocket', 'unix'], 'joined over the owner socket');
  await session.close();
});
