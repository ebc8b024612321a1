import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { isPemCertificate } from '../transport/tls-client.js';
import { fingerprintFormat, normalizeFingerprint } from '../transport/tls-fingerprint.js';
import { AgentError } from './errors.js';

/** The agent config's `tls`: how the agent and its plugins check a wss:// or tls:// router's certificate. */
export const agentTlsConfigSchema = z.strictObject({
  /** Pin the router's certificate ('sha256:AB:CD:...', as the router logs it at start): the home setup with a self-signed one. */
  fingerprint: z.string().refine((text) => normalizeFingerprint(text) !== undefined, `must be ${fingerprintFormat}`).optional(),
  /** A PEM file of CA certificates to trust besides node's built-in list. */
  ca: z.string().min(1).optional(),
}).refine((tls) => tls.fingerprint === undefined || tls.ca === undefined, 'give fingerprint or ca, not both: a pinned certificate needs no CA');

export type AgentTlsConfig = z.infer<typeof agentTlsConfigSchema>;

/** What the agent's and the plugins' sessions get as their `tls` connect option (the CA as PEM text, so workers read no files). */
export interface AgentTls {
  fingerprint?: string;
  ca?: string;
}

/** tls settings are for wss:// and tls:// routers only. */
export function checkTlsRouterUrl(tls: AgentTlsConfig | undefined, router: string): void {
  if (tls !== undefined && !/^(wss|tls):/i.test(router)) {
    throw new AgentError('invalid_config', `tls: only for wss:// and tls:// router URLs; the router is ${router}`);
  }
}

/** Read the CA file the config names; an unreadable file or one without a certificate is an 'invalid_config' naming it. */
export async function loadAgentTls(tls: AgentTlsConfig | undefined): Promise<AgentTls | undefined> {
  if (tls === undefined) return undefined;
  if (tls.ca === undefined) return tls.fingerprint === undefined ? undefined : { fingerprint: tls.fingerprint };
  let ca: string;
  try {
    ca = await readFile(tls.ca, 'utf8');
  } catch (cause) {
    throw new AgentError('invalid_config', `tls.ca: cannot read ${tls.ca}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  if (!isPemCertificate(ca)) throw new AgentError('invalid_config', `tls.ca: ${tls.ca} holds no PEM certificate`);
  return { ca };
}

/** THOTH_TLS_FINGERPRINT and THOTH_TLS_CA (the same variables the CLI's client commands read), or undefined. */
export function tlsConfigFromEnv(env: NodeJS.ProcessEnv): { value: Record<string, string>; variables: string } | undefined {
  const value: Record<string, string> = {};
  const variables: string[] = [];
  for (const [variable, key] of [['THOTH_TLS_FINGERPRINT', 'fingerprint'], ['THOTH_TLS_CA', 'ca']] as const) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    value[key] = text;
    variables.push(variable);
  }
  return variables.length === 0 ? undefined : { value, variables: variables.join(' and ') };
}
