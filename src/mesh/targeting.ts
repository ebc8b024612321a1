import type { Dict } from '../protocol/messages.js';
import { ErrorUri } from '../protocol/error-uris.js';
import type { CallTargeting, Registration } from '../router/dealer.js';
import type { Peer } from '../router/peer.js';
import type { DeviceState, SessionBinding } from './state.js';

export interface TargetingSource {
  bindings: ReadonlyMap<Peer, SessionBinding>;
  devicesByIdOrName(target: string): DeviceState[];
  /** The callees of a registration that belong to a device (an index: no scan of every callee). */
  calleesOn(registration: Registration, device: DeviceState): ReadonlySet<Peer> | undefined;
}

/**
 * Device-targeted routing: `_device` (id or name) and `_select` ({ kind, <tag>: value })
 * narrow a registration's callees to those whose modality and device match.
 */
export class DeviceTargeting implements CallTargeting {
  constructor(private readonly source: TargetingSource) {}

  candidates(registration: Registration, options: Dict): readonly Peer[] | { uri: string; message: string } {
    const device = options['_device'];
    const selectRaw = options['_select'];
    if (device !== undefined && (typeof device !== 'string' || device.length === 0)) {
      return { uri: ErrorUri.invalidArgument, message: 'CALL option "_device" must be a device id or name' };
    }
    let select: Record<string, string> | undefined;
    if (selectRaw !== undefined) {
      if (!isSelector(selectRaw)) return { uri: ErrorUri.invalidArgument, message: 'CALL option "_select" must map names to strings, e.g. { "kind": "speaker", "room": "living" }' };
      select = selectRaw;
    }
    let allowed: Set<DeviceState> | undefined;
    if (device !== undefined) {
      const known = this.source.devicesByIdOrName(device);
      if (known.length === 0) return { uri: ErrorUri.noSuchDevice, message: `no device "${device}" is known to this router` };
      allowed = new Set(known.filter((d) => d.record.status === 'online'));
      if (allowed.size === 0) return { uri: ErrorUri.noSuchDevice, message: `device "${device}" is offline` };
    }
    const out: Peer[] = [];
    const consider = (callee: Peer): void => {
      const modality = this.source.bindings.get(callee)?.registrations.get(registration);
      if (modality === undefined || modality.record.status !== 'live') return;
      const owner = modality.device;
      if (owner.record.status !== 'online') return;
      if (allowed !== undefined && !allowed.has(owner)) return;
      if (select !== undefined && !matchesSelector(select, modality.record.kind, owner.record.tags)) return;
      out.push(callee);
    };
    if (allowed !== undefined) {
      for (const owner of allowed) for (const callee of this.source.calleesOn(registration, owner) ?? []) consider(callee);
    } else {
      for (const callee of registration.callees) consider(callee);
    }
    if (out.length === 0) {
      return { uri: ErrorUri.noMatchingDevice, message: `no online device${describe(device, select)} provides "${registration.uri}"` };
    }
    return out;
  }
}

function isSelector(value: unknown): value is Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== 'string') return false;
  return true;
}

function matchesSelector(select: Record<string, string>, kind: string, tags: Record<string, string>): boolean {
  for (const key in select) {
    const want = select[key];
    if (key === 'kind' ? kind !== want : tags[key] !== want) return false;
  }
  return true;
}

function describe(device: unknown, select: Record<string, string> | undefined): string {
  const parts: string[] = [];
  if (typeof device === 'string') parts.push(`"${device}"`);
  if (select !== undefined) parts.push(`matching ${Object.entries(select).map(([k, v]) => `${k}=${v}`).join(',')}`);
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}
