import type { Peer } from '../router/peer.js';
import type { Registration } from '../router/dealer.js';
import type { DeviceRecord, ModalityRecord } from './records.js';

/** A device known to the registry, with its live bindings. */
export interface DeviceState {
  record: DeviceRecord;
  /** The agent session that registered it; undefined while offline. */
  agent: Peer | undefined;
  lastHeartbeat: number;
  modalities: Set<ModalityState>;
}

export interface ModalityState {
  record: ModalityRecord;
  device: DeviceState;
  /** The provider session; undefined once gone. */
  provider: Peer | undefined;
}

/** What the mesh knows of one session: the device it is the agent of, the modalities it provides, which of its registrations belong to which. */
export interface SessionBinding {
  peer: Peer;
  agentOf: DeviceState | undefined;
  modalities: ModalityState[];
  registrations: Map<Registration, ModalityState>;
}
