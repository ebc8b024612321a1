import { z } from 'zod';
import type { Logger } from '../../observability/logger.js';
import { isLoopbackAddress } from '../../transport/address.js';
import { anonymousAuthenticator, type Authenticator } from '../auth.js';
import { CryptosignAuthenticator, type DeviceKeyPolicy } from './cryptosign.js';
import { AuthRateLimiter, rateLimited } from './rate-limit.js';
import { parseSecretHash } from './secrets.js';
import { TicketAuthenticator } from './ticket.js';
import { builtinRoles, deviceRoleName, rolesConfigSchema } from '../authorization.js';

const authid = z.string().min(1);
const role = z.string().min(1);

const secretHash = z.string().superRefine((value, ctx) => {
  const parsed = parseSecretHash(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

function unique<T>(key: (item: T) => string, what: string) {
  return (items: readonly T[], ctx: z.RefinementCtx): void => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `${what} ${k} is listed twice`, path: [index] });
      seen.add(k);
    });
  };
}

const ticketPrincipal = z.strictObject({ authid, role, secretHash });
const cryptosignPrincipal = z.strictObject({
  authid,
  role,
  pubkey: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 32-byte Ed25519 public key in hex (64 characters), as `thoth keygen cryptosign` prints it'),
});

/** The router config's `auth` section. */
export const authConfigSchema = z.strictObject({
  /** Anonymous sessions (role 'local'), always over loopback, Unix sockets and in-process only. Default true. */
  anonymous: z.boolean().optional(),
  ticket: z.strictObject({ principals: z.array(ticketPrincipal).min(1).superRefine(unique((p) => p.authid, 'authid')) }).optional(),
  cryptosign: z.strictObject({ principals: z.array(cryptosignPrincipal).min(1).superRefine(unique((p) => p.pubkey.toLowerCase(), 'pubkey')) }).optional(),
  /**
   * Device pairing: agents join with their device key (cryptosign); an unknown key
   * waits as a pending device until the owner approves it. Default: on. Set true
   * explicitly to listen beyond loopback with pairing as the only method.
   */
  pairing: z.boolean().optional(),
  /** Failed ticket/cryptosign attempts per remote address (IPv6: per /64). */
  rateLimit: z.strictObject({ maxFailures: z.number().int().positive().optional(), windowMs: z.number().int().positive().optional() }).optional(),
  /** Authorization: role -> { rules, admin }. Roles without an entry may do nothing. */
  roles: rolesConfigSchema.optional(),
}).refine((auth) => auth.anonymous !== false || auth.ticket !== undefined || auth.cryptosign !== undefined || auth.pairing !== false, {
  message: 'with anonymous: false and pairing: false, configure auth.ticket.principals or auth.cryptosign.principals, or nobody can join',
});

export type AuthConfig = z.infer<typeof authConfigSchema>;

/** What to add to the config to listen beyond loopback, for error messages. */
export const remoteAuthHint =
  'set auth.pairing: true (devices join with their device key once you approve them with `thoth devices approve`), or add auth.ticket.principals ([{ authid, role, secretHash }], hash from `thoth keygen ticket`) or auth.cryptosign.principals ([{ authid, role, pubkey }], key from `thoth keygen cryptosign`) to the router config file';

/**
 * True when an authentication method other than anonymous is configured. Pairing
 * counts only when set explicitly: being on by default, it must not open a
 * listener beyond loopback by itself.
 */
export function hasRemoteAuth(auth: AuthConfig | undefined): boolean {
  return auth?.ticket !== undefined || auth?.cryptosign !== undefined || auth?.pairing === true;
}

/** Whether devices may pair (default on). */
export function pairingEnabled(auth: AuthConfig | undefined): boolean {
  return auth?.pairing !== false;
}

/**
 * Whether a listener may bind `host`: loopback always (anonymous is loopback-only
 * anyway); any other address only with ticket or cryptosign configured.
 */
export function mayListenOn(host: string, auth: AuthConfig | undefined): boolean {
  return isLoopbackHost(host) || hasRemoteAuth(auth);
}

/** 'localhost', 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/** Roles given to configured principals that have no entry in auth.roles (they may do nothing). */
export function unconfiguredRoles(auth: AuthConfig | undefined): string[] {
  const known = new Set<string>([...builtinRoles, deviceRoleName, ...Object.keys(auth?.roles ?? {})]);
  const given = [...(auth?.ticket?.principals ?? []), ...(auth?.cryptosign?.principals ?? [])].map((p) => p.role);
  return [...new Set(given)].filter((r) => !known.has(r));
}

export interface BuildAuthOptions {
  logger: Logger;
  /** Clock of the rate limiter, for tests. */
  now?: () => number;
  /** Device pairing (the registry's keys); used when pairing is enabled. */
  devices?: DeviceKeyPolicy;
}

/**
 * The router's authenticators from config: ticket and cryptosign (configured
 * principals, then device keys when pairing is on) behind one rate limiter, then anonymous.
 */
export function buildAuthenticators(auth: AuthConfig | undefined, options: BuildAuthOptions): Authenticator[] {
  const limiter = new AuthRateLimiter({ ...auth?.rateLimit, now: options.now });
  const authenticators: Authenticator[] = [];
  if (auth?.ticket) authenticators.push(rateLimited(new TicketAuthenticator(auth.ticket), limiter, options.logger));
  const devices = pairingEnabled(auth) ? options.devices : undefined;
  if (auth?.cryptosign || devices) {
    authenticators.push(rateLimited(new CryptosignAuthenticator({ principals: auth?.cryptosign?.principals ?? [], devices }), limiter, options.logger));
  }
  if (auth?.anonymous !== false) authenticators.push(anonymousAuthenticator);
  return authenticators;
}
