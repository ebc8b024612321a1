import type { KeyObject } from 'node:crypto';
import { cryptosignAuth, type ConnectOptions } from '../client/index.js';
import { isLoopbackHost } from '../router/auth/config.js';

/**
 * How the agent and its plugins join: 'device' with the device key (pairing),
 * 'anonymous' (loopback only, role local), 'auto': anonymous when the router is on
 * this machine (loopback or a Unix socket), the device key otherwise.
 */
export const agentAuthModes = ['auto', 'device', 'anonymous'] as const;
export type AgentAuthMode = (typeof agentAuthModes)[number];

/** Whether sessions to `router` use the device key. */
export function usesDeviceKey(mode: AgentAuthMode, router: string): boolean {
  if (mode !== 'auto') return mode === 'device';
  const url = new URL(router);
  if (url.protocol === 'unix:') return false;
  return !isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}

/**
 * Connect options that authenticate as the device to `router`: cryptosign with its
 * key, authid its id, the name shown while pending; over TLS (wss://, tls://) bound
 * to the channel (tls-exporter), so a signature is good for that connection only.
 */
export function deviceAuth(privateKey: KeyObject | string, deviceId: string, name: string | undefined, router: string): Pick<ConnectOptions, 'authid' | 'authmethods' | 'authextra' | 'onChallenge'> {
  const tls = /^(wss|tls):/.test(router);
  const auth = cryptosignAuth(privateKey, tls ? { channelBinding: 'tls-exporter' } : {});
  return { ...auth, authid: deviceId, authextra: name === undefined ? auth.authextra : { ...auth.authextra, name } };
}
