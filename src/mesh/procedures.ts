import type { z } from 'zod';
import type { Args, Kwargs } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import { formatZodError } from '../common/zod-error.js';
import { ProcedureError, type InternalCallDetails } from '../router/internal-session.js';
import type { Peer } from '../router/peer.js';
import { isAdmin } from '../router/authorization.js';
import { Mesh, MeshError } from './mesh.js';
import { deregisterInputSchema, deviceFilterSchema, deviceInfoSchema, deviceKeyFilterSchema, drainInputSchema, modalityFilterSchema, modalityInputSchema, type ModalityRecord } from './records.js';
import { deviceRole } from './pairing.js';
import type { Registry } from './index.js';

type MeshProcedure = (args: Args, kwargs: Kwargs, caller: Peer) => unknown;

/** The mesh's procedures (docs/mesh.md), served by the realm's internal session. */
export function provideMeshProcedures(mesh: Mesh, { store, pairing }: Registry): void {
  const procedures: Record<string, MeshProcedure> = {
    'thoth.device.register': (_args, kwargs, caller) => {
      const info = input(deviceInfoSchema, kwargs, 'thoth.device.register');
      ownDeviceOnly(caller, info.id, 'register');
      return mesh.registerDevice(caller, info);
    },
    'thoth.device.heartbeat': (_args, _kwargs, caller) => mesh.heartbeat(caller),
    'thoth.device.list': (_args, kwargs) => {
      const filter = input(deviceFilterSchema, kwargs, 'thoth.device.list');
      return [...mesh.devices.values()]
        .filter((d) => filter.status === undefined || d.record.status === filter.status)
        .filter((d) => filter.name === undefined || d.record.name === filter.name)
        .filter((d) => Object.entries(filter.tags ?? {}).every(([k, v]) => d.record.tags[k] === v))
        .filter((d) => filter.kind === undefined || [...d.modalities].some((m) => m.record.kind === filter.kind))
        .map((d) => mesh.describeDevice(d));
    },
    'thoth.device.get': (args) => mesh.describeDevice(mesh.device(stringArg(args, 'thoth.device.get', 'a device id or name'))),
    'thoth.device.drop': (args) => mesh.dropDevice(stringArg(args, 'thoth.device.drop', 'a device id or name')),
    'thoth.device.keys': (_args, kwargs) => pairing.list(input(deviceKeyFilterSchema, kwargs, 'thoth.device.keys').state),
    'thoth.device.approve': (args) => pairing.approve(stringArg(args, 'thoth.device.approve', 'a device id')),
    'thoth.device.revoke': (args) => pairing.revoke(stringArg(args, 'thoth.device.revoke', 'a device id')),
    'thoth.modality.add': (_args, kwargs, caller) => {
      const modality = input(modalityInputSchema, kwargs, 'thoth.modality.add');
      ownDeviceOnly(caller, modality.device, 'add a modality to');
      return mesh.addModality(caller, modality);
    },
    'thoth.modality.kill': (args) => {
      const modality = mesh.modality(idArg(args, 'thoth.modality.kill'));
      return { killed: modality.record.id, procedures: mesh.killModality(modality, 'the modality was killed') };
    },
    'thoth.modality.get': (args) => {
      const id = idArg(args, 'thoth.modality.get');
      const found = mesh.modalities.get(id)?.record ?? store.loadModalities().find((m) => m.id === id);
      if (found === undefined) throw new MeshError(ErrorUri.noSuchModality, `no modality ${id}`);
      return found;
    },
    'thoth.modality.list': (_args, kwargs) => {
      const filter = input(modalityFilterSchema, kwargs, 'thoth.modality.list');
      const live = [...mesh.modalities.values()].map((m) => m.record);
      const all: ModalityRecord[] = filter.status === 'live' ? live : [...live, ...store.loadModalities().filter((m) => m.status === 'gone')];
      const devices = filter.device === undefined ? undefined : new Set(mesh.devicesByIdOrName(filter.device).map((d) => d.record.id));
      return all
        .filter((m) => filter.status === undefined || m.status === filter.status)
        .filter((m) => filter.kind === undefined || m.kind === filter.kind)
        .filter((m) => devices === undefined || devices.has(m.device))
        .sort((a, b) => a.id - b.id);
    },
    'thoth.drain': (_args, kwargs, caller) => {
      const { modality, deadline_ms } = input(drainInputSchema, kwargs, 'thoth.drain');
      if (modality === undefined) return mesh.drain(caller, new Set(caller.registrations), deadline_ms);
      const state = mesh.modality(modality);
      if (state.provider !== caller && state.device.agent !== caller) adminOnly(caller, `thoth.drain of modality ${modality}, which this session neither provides nor is the agent of`);
      return mesh.drain(state.provider!, mesh.registrationsOf(state), deadline_ms);
    },
    'thoth.deregister': (_args, kwargs, caller) => {
      const { session } = input(deregisterInputSchema, kwargs, 'thoth.deregister');
      const target = session === undefined ? caller : mesh.realm.sessions.get(session);
      if (session !== undefined && session !== caller.id) adminOnly(caller, `thoth.deregister of another session (${session})`);
      if (target === undefined) throw new MeshError(ErrorUri.noSuchSession, `no session ${session}`);
      return { unregistered: mesh.deregister(target) };
    },
  };
  for (const [name, handler] of Object.entries(procedures)) {
    mesh.realm.provide(name, (args, kwargs, details: InternalCallDetails) => {
      const caller = mesh.realm.sessions.get(details.caller);
      if (caller === undefined) throw new ProcedureError(ErrorUri.noSuchSession, 'the calling session has left');
      try {
        const outcome = handler(args, kwargs, caller);
        return outcome instanceof Promise ? outcome.catch(asProcedureError) : outcome;
      } catch (error) {
        return asProcedureError(error);
      }
    });
  }
}

/** Stop a non-admin caller (see docs/security.md, admin-only procedures). */
function adminOnly(caller: Peer, what: string): void {
  if (!isAdmin(caller)) throw new ProcedureError(ErrorUri.notAuthorized, `not authorized: ${what} is admin-only`);
}

/** A device's session (role device) may act only for its own device: its authid. */
function ownDeviceOnly(caller: Peer, device: string, action: string): void {
  const { authrole, authid } = caller.identity;
  if (authrole === deviceRole && authid !== device) {
    throw new ProcedureError(ErrorUri.notAuthorized, `this session is device ${authid}: it may not ${action} device ${device}`);
  }
}

function asProcedureError(error: unknown): never {
  if (error instanceof MeshError) throw new ProcedureError(error.uri, error.message);
  throw error;
}

function input<S extends z.ZodType>(schema: S, kwargs: Kwargs, procedure: string): z.output<S> {
  const parsed = schema.safeParse(kwargs);
  if (!parsed.success) throw new ProcedureError(ErrorUri.invalidArgument, `${procedure}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

function stringArg(args: Args, procedure: string, what: string): string {
  const value = args[0];
  if (typeof value !== 'string' || value.length === 0) throw new ProcedureError(ErrorUri.invalidArgument, `${procedure} takes ${what} as its first argument`);
  return value;
}

function idArg(args: Args, procedure: string): number {
  const value = args[0];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ProcedureError(ErrorUri.invalidArgument, `${procedure} takes a modality id as its first argument`);
  return value;
}
