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

export const routerOptionsSchema = z.strictObject({
  realms: z.array(z.string().min(1)).min(1).default(['thoth']),
  limits: sessionLimitsSchema.default(sessionLimitsSchema.parse({})),
  /** How long shutdown waits for sessions to answer GOODBYE before closing them. */
  shutdownTimeoutMs: z.number().int().nonnegative().default(2000),
});

export type RouterSettings = z.infer<typeof routerOptionsSchema>;
export type RouterSettingsInput = z.input<typeof routerOptionsSchema>;
