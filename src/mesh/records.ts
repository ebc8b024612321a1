import { z } from 'zod';

/** Device ids are made by agents from their public key; names and tags by people. */
export const deviceIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{3,63}$/, 'a device id is 4..64 lowercase letters, digits and "-"');
const tagKey = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a tag name is 1..32 lowercase letters, digits, "_" and "-"').refine((k) => k !== 'kind', '"kind" is reserved for selecting modalities');

export const deviceInfoSchema = z.strictObject({
  id: deviceIdSchema,
  name: z.string().min(1).max(64),
  hostname: z.string().max(255).default(''),
  platform: z.string().max(32).default(''),
  arch: z.string().max(32).default(''),
  release: z.string().max(128).default(''),
  cpus: z.number().int().nonnegative().default(0),
  memory: z.number().nonnegative().default(0),
  interfaces: z.array(z.strictObject({ name: z.string().max(64), mac: z.string().max(64), addresses: z.array(z.string().max(64)).max(32) })).max(64).default([]),
  tags: z.record(tagKey, z.string().max(256)).default({}),
  agent_version: z.string().max(64).default(''),
});

export type DeviceInfo = z.output<typeof deviceInfoSchema>;
export type DeviceStatus = 'online' | 'offline' | 'draining';

/** A device as the registry keeps it and procedures return it. */
export interface DeviceRecord extends DeviceInfo {
  status: DeviceStatus;
  first_seen: string;
  last_seen: string;
}

export const modalityInputSchema = z.strictObject({
  device: deviceIdSchema,
  kind: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a modality kind is 1..32 lowercase letters, digits, "_" and "-"'),
  name: z.string().min(1).max(64),
  details: z.record(z.string(), z.unknown()).default({}),
});

export type ModalityStatus = 'live' | 'gone';

export interface ModalityRecord {
  id: number;
  device: string;
  kind: string;
  name: string;
  details: Record<string, unknown>;
  procedures: string[];
  status: ModalityStatus;
  /** The provider session's id (0 once gone). */
  session: number;
  added: string;
}

export const deviceFilterSchema = z.strictObject({
  status: z.enum(['online', 'offline', 'draining']).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
});

export const modalityFilterSchema = z.strictObject({
  device: z.string().optional(),
  kind: z.string().optional(),
  status: z.enum(['live', 'gone']).optional(),
});

export const drainInputSchema = z.strictObject({
  modality: z.number().int().positive().optional(),
  deadline_ms: z.number().int().nonnegative().max(3_600_000).default(30_000),
});

export const deregisterInputSchema = z.strictObject({
  session: z.number().int().positive().optional(),
});

export const deviceKeyStates = ['pending', 'approved', 'revoked'] as const;
export type DeviceKeyState = (typeof deviceKeyStates)[number];

export const deviceKeyFilterSchema = z.strictObject({ state: z.enum(deviceKeyStates).optional() });

/** A device key the router has seen (device pairing, docs/security.md). */
export interface DeviceKeyRecord {
  /** The raw 32-byte Ed25519 public key, lowercase hex. */
  pubkey: string;
  /** The device id derived from it. */
  device: string;
  /** Short fingerprint for people to compare (src/common/device-id.ts). */
  fingerprint: string;
  state: DeviceKeyState;
  /** The name the agent announced when it asked to pair (not trusted: for display). */
  name: string;
  /** The address it last connected from. */
  address: string;
  requested: string;
  /** When it was approved or revoked. */
  decided?: string;
  last_seen: string;
}
