import type { z } from 'zod';
import { ErrorUri, RemoteError } from '../client/index.js';
import { formatZodError } from '../common/zod-error.js';
import type { DhtNode } from '../dht/api/dht-node.js';
import { DhtProcedure } from '../dht/api/procedures.js';
import { keyInputSchema, putInputSchema, removeInputSchema, routeInputSchema, statusInputSchema } from '../dht/api/schemas.js';
import type { AgentProcedure } from './device-link.js';

/** The node to serve a call with; throws RemoteError thoth.error.dht_unavailable when there is none. */
export type NodeSource = () => DhtNode;

/** The agent's DHT procedures (docs/dht.md): kwargs validated, DHT failures answered with thoth.error.dht_* URIs. */
export function dhtProcedures(node: NodeSource): AgentProcedure[] {
  return [
    procedure(DhtProcedure.put, putInputSchema, ({ key, value, version }) => node().put(key, value, version === undefined ? {} : { version })),
    procedure(DhtProcedure.get, keyInputSchema, async ({ key }) => (await node().get(key)) ?? null),
    procedure(DhtProcedure.remove, removeInputSchema, ({ key, version }) => node().remove(key, version === undefined ? {} : { version })),
    procedure(DhtProcedure.route, routeInputSchema, ({ key, message }) => node().route(key, message)),
    procedure(DhtProcedure.status, statusInputSchema, () => node().status()),
  ];
}

function procedure<S extends z.ZodType>(uri: string, schema: S, run: (input: z.output<S>) => unknown): AgentProcedure {
  return {
    uri,
    handler: async (_args, kwargs) => {
      const parsed = schema.safeParse(kwargs);
      if (!parsed.success) throw new RemoteError(ErrorUri.invalidArgument, [`${uri}: ${formatZodError(parsed.error, 'kwargs')}`]);
      try {
        return await run(parsed.data);
      } catch (error) {
        throw asRemoteError(uri, error);
      }
    },
  };
}

const uriOfCode: Record<string, string> = {
  DHT_STORAGE_FULL: ErrorUri.dhtStorageFull,
  DHT_KIND_MISMATCH: ErrorUri.dhtKindMismatch,
  DHT_NODE_STATE: ErrorUri.dhtUnavailable,
};

/** A DHT failure (local, or an `err` frame from another node: both carry a DHT_* code) as the URI callers see. */
function asRemoteError(procedure: string, error: unknown): unknown {
  if (error instanceof RemoteError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('DHT_')) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RemoteError(uriOfCode[code] ?? ErrorUri.dhtFailed, [`${procedure}: ${message}`], { code });
}
