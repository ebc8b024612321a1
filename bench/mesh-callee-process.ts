/**
 * Simulated devices for the device-targeted call bench: one SDK session per
 * device, each registering its device, adding one 'speaker' modality and
 * registering bench.echo (shared, round robin) and bench.whoami under it; the
 * first device's session also registers bench.echo.solo.
 */
import { connect, Result, type Session } from '../src/client/index.js';
import { childConfig, emit, fail, serveDriver } from './lines.js';
import { ECHO_PROCEDURE, SOLO_ECHO_PROCEDURE, WHOAMI_PROCEDURE, type BenchDevice, type MeshCalleeConfig } from './mesh-types.js';

async function startDevice(config: MeshCalleeConfig, device: BenchDevice, first: boolean): Promise<Session> {
  const session = await connect({ url: config.url, realm: 'thoth', serializer: config.serializer, reconnect: false });
  await session.call('thoth.device.register', [], { id: device.id, name: device.name });
  await session.call('thoth.modality.add', [], { device: device.id, kind: 'speaker', name: 'bench' });
  // Result: YIELD carries exactly the call's args, as in callee-process.
  const echo = async (args: unknown[]): Promise<Result> => new Result(args);
  await session.register(ECHO_PROCEDURE, echo, { invoke: 'roundrobin' });
  if (first) await session.register(SOLO_ECHO_PROCEDURE, echo);
  await session.register(WHOAMI_PROCEDURE, () => device.id, { invoke: 'roundrobin' });
  return session;
}

async function main(): Promise<void> {
  const config = childConfig<MeshCalleeConfig>();
  const sessions: Session[] = [];
  for (const [i, device] of config.devices.entries()) sessions.push(await startDevice(config, device, i === 0));
  serveDriver(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    process.exit(0);
  });
  emit({ event: 'ready' });
}

main().catch(fail);
