import type { Dict } from '../../src/protocol/messages.js';
import { installMesh, type Mesh, type MeshOptions } from '../../src/mesh/index.js';
import type { Router } from '../../src/router/index.js';
import { join as joinRouter, newRouter, type TestPeer } from '../router/harness.js';

export interface MeshFixture {
  router: Router;
  mesh: Mesh;
}

export function meshRouter(options: Partial<MeshOptions> = {}): MeshFixture {
  const router = newRouter();
  const mesh = installMesh(router, { dataDir: ':memory:', ...options });
  return { router, mesh };
}

/** Call a procedure and return args[0] of its RESULT, or throw with the ERROR's URI. */
export async function invoke(peer: TestPeer, procedure: string, args: unknown[] = [], kwargs?: Dict, options: Dict = {}): Promise<unknown> {
  const reply = await peer.callAndWait(procedure, args, options, kwargs);
  if (reply.type === 'ERROR') throw Object.assign(new Error(`${reply.error}: ${String(reply.args?.[0])}`), { uri: reply.error });
  return reply.args?.[0];
}

export interface FakeDevice {
  id: string;
  agent: TestPeer;
}

/** An agent session that registered a device. */
export async function addDevice(router: Router, id: string, name: string, tags: Record<string, string> = {}): Promise<FakeDevice> {
  const agent = await joinRouter(router);
  await invoke(agent, 'thoth.device.register', [], { id, name, hostname: `${name}.local`, platform: 'linux', arch: 'x64', tags });
  return { id, agent };
}

/** A provider session with one modality, registering the given procedures (shared, round robin). */
export async function addProvider(router: Router, device: string, kind: string, procedures: string[]): Promise<{ peer: TestPeer; modality: number }> {
  const peer = await joinRouter(router);
  const record = (await invoke(peer, 'thoth.modality.add', [], { device, kind, name: `${kind} on ${device}` })) as { id: number };
  for (const procedure of procedures) await peer.register(procedure, { invoke: 'roundrobin' });
  return { peer, modality: record.id };
}

export { joinRouter };
