import { z } from 'zod';

export const sessionLimitsSchema = z.strictObject({
  /** Calls one session may have waiting for a result at once. */
  maxCallsInFlight: z.number().int().positive().default(1000),
  maxRegistrations: z.number().int().positive().default(1000),
  maxSubscriptions: z.number().int().positive().default(1000),
  /** Largest message accepted or sent, in bytes. */
  maxMessageBytes: z.number().int().min(1024).max(2 ** 24).default(16 * 1024 * 1024),
  /** Outbound bytes queued for a session before it is closed as a slow consumer. */
  maxQueuedBytes: z.number().int().positive().default(64 * 1024 * 1024),
  /** Time a new connection has to send HELLO (and finish authentication). */
  helloTimeoutMs: z.number().int().positive().default(10_000),
});

export type SessionLimits = z.infer<typeof sessionLimitsSchema>;

/** New connections per remote address (IPv4 address, IPv6 /64): a token bucket holding perAddress, refilled perAddress per windowMs. */
export const connectionRateSchema = z.strictObject({
  perAddress: z.number().int().positive().default(20),
  windowMs: z.number().int().positive().default(1000),
  /** Loopback and Unix-socket connections (the owner's own tools) are not counted. */
  exemptLocal: z.boolean().default(true),
});

export type ConnectionRate = z.infer<typeof connectionRateSchema>;

/** The per-session limits, plus the router-wide ones. */
export const routerLimitsSchema = sessionLimitsSchema.extend({
  /** Sessions at once, counting connections still in their handshake; past it a new one gets ABORT thoth.error.too_many_sessions. */
  maxSessions: z.number().int().positive().default(10_000),
  /** false: no limit. */
  connectionRate: z.union([z.literal(false), connectionRateSchema]).default(connectionRateSchema.parse({})),
});

export type RouterLimits = z.infer<typeof routerLimitsSchema>;

export const routerOptionsSchema = z.strictObject({
  realms: z.array(z.string().min(1)).min(1).default(['thoth']),
  limits: routerLimitsSchema.default(routerLimitsSchema.parse({})),
  /** How long shutdown waits for sessions to answer GOODBYE before closing them. */
  shutdownTimeoutMs: z.number().int().nonnegative().default(2000),
});

export type RouterSettings = z.infer<typeof routerOptionsSchema>;
export type RouterSettingsInput = z.input<typeof routerOptionsSchema>;
