import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { routerLimitsSchema } from '../router/options.js';
import { authConfigSchema } from '../router/auth/config.js';
import { logLevels, type LogLevel } from '../observability/logger.js';
import { formatZodError } from '../common/zod-error.js';
import { CliError } from './errors.js';
import { normalizeOrigin } from '../transport/address.js';

const host = z.string().min(1);
const port = z.number().int().min(0).max(65535);
/** Certificate (PEM, optionally with its chain) and private key files of a TLS listener (tls-files.ts reads them). */
const tlsFiles = z.strictObject({ cert: z.string().min(1), key: z.string().min(1) });
/** A browser origin allowed to open the WebSocket ('https://app.example:8443'); listenWebSocket refuses every other Origin with 403. */
const origin = z.string().refine((value) => normalizeOrigin(value) !== undefined, {
  message: "must be a browser origin: http or https, host, optional port, nothing else (e.g. 'https://app.example:8443')",
});

/** The router's config file (JSON or YAML). Unknown keys are refused and the bad key named. */
export const routerConfigSchema = z.strictObject({
  realms: z.array(z.string().min(1)).min(1).optional(),
  logLevel: z.enum(logLevels as [LogLevel, ...LogLevel[]]).optional(),
  websocket: z.union([z.literal(false), z.strictObject({
    host: host.optional(), port: port.optional(), path: z.string().startsWith('/').optional(), tls: tlsFiles.optional(),
    /** Browser origins that may connect; default none (an upgrade with an Origin header is refused with 403). */
    allowedOrigins: z.array(origin).optional(),
  })]).optional(),
  rawsocket: z.union([z.literal(false), z.strictObject({ host: host.optional(), port: port.optional(), tls: tlsFiles.optional() })]).optional(),
  unix: z.union([z.literal(false), z.strictObject({ path: z.string().min(1) })]).optional(),
  limits: routerLimitsSchema.partial().optional(),
  shutdownTimeoutMs: z.number().int().nonnegative().optional(),
  /** Where the device registry lives (registry.db). */
  dataDir: z.string().min(1).optional(),
  /** Authentication: anonymous (loopback only), ticket and cryptosign principals, rate limit. */
  auth: authConfigSchema.optional(),
  mesh: z.strictObject({ heartbeatIntervalMs: z.number().int().positive().optional(), heartbeatTimeoutMs: z.number().int().positive().optional() }).optional(),
});

export type RouterConfig = z.infer<typeof routerConfigSchema>;

export async function loadRouterConfig(path: string): Promise<RouterConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CliError(`cannot read config file ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
  }
  let value: unknown;
  try {
    value = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new CliError(`config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(cause as Error).message.split('\n')[0]}`);
  }
  const parsed = routerConfigSchema.safeParse(value ?? {});
  if (!parsed.success) throw new CliError(`config file ${path}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}
