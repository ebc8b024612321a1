import { z } from 'zod';

/*
 * Messages between the agent and a plugin's worker thread. Both sides validate
 * what they receive: it crosses a thread boundary, and the worker runs code the
 * agent does not control.
 */

const dict = z.record(z.string(), z.unknown());

export const liveModalitySchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  name: z.string(),
  details: dict,
});

export const workerDataSchema = z.object({
  moduleUrl: z.string().min(1),
  use: z.string().min(1),
  name: z.string().min(1),
  config: dict,
  router: z.string().min(1),
  realm: z.string().min(1),
  device: z.object({ id: z.string().min(1), name: z.string().min(1) }),
  dataDir: z.string().min(1),
  logLevel: z.string().min(1),
  reconnect: z.object({ initialMs: z.number().int().positive(), maxMs: z.number().int().positive() }),
  deviceKeyFile: z.string().min(1).optional(),
  /** The session's `tls` connect option (the CA as PEM text). */
  tls: z.object({ fingerprint: z.string().optional(), ca: z.string().optional() }).optional(),
});
export type WorkerData = z.infer<typeof workerDataSchema>;

export const errorInfoSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  uri: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

/** Where a plugin run ended before main() returned. */
export const endPhases = ['load', 'config', 'connect', 'modality', 'main'] as const;

export const fromWorkerSchema = z.discriminatedUnion('type', [
  /** One log record of the plugin's logger (pino's JSON object). */
  z.object({ type: z.literal('log'), record: dict }),
  /** main() is about to run; the modalities are registered. */
  z.object({ type: z.literal('ready'), modalities: z.array(liveModalitySchema) }),
  /** The router killed this modality (thoth.modality.kill, or the device was dropped): the run cannot serve any more. */
  z.object({ type: z.literal('killed'), modality: z.number().int() }),
  /** The modalities were added again (after a reconnect) with these ids. */
  z.object({ type: z.literal('modalities'), modalities: z.array(liveModalitySchema) }),
  /** The run is over and the session closed: main() returned, threw, or a step before it failed. */
  z.object({
    type: z.literal('ended'),
    outcome: z.enum(['returned', 'threw']),
    phase: z.enum(endPhases),
    error: errorInfoSchema.optional(),
  }),
]);
export type FromWorker = z.infer<typeof fromWorkerSchema>;

export const toWorkerSchema = z.discriminatedUnion('type', [
  /** Abort ctx.signal, let main() return, close the session. */
  z.object({ type: z.literal('stop') }),
  /** The agent (re)registered the device: add the modalities again if this session has not. */
  z.object({ type: z.literal('device-registered') }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const uri = (error as { uri?: unknown }).uri;
    return { name: error.name, message: error.message, stack: error.stack, ...(typeof uri === 'string' ? { uri } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
