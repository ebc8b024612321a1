/** Baseline callee: answers every `[id, args]` frame with the same `[id, args]`, through an async handler like the SDK's. */
import { serializers } from '../src/codec/index.js';
import type { SerializerName } from '../src/codec/serializer.js';
import { RelayEndpoint } from './relay-endpoint.js';
import { childConfig, emit, fail, serveDriver } from './lines.js';

interface Config {
  port: number;
  serializer: SerializerName;
}

const echo = async (args: unknown[]): Promise<unknown[]> => args;

async function main(): Promise<void> {
  const config = childConfig<Config>();
  const endpoint: RelayEndpoint = await RelayEndpoint.connect(config.port, serializers[config.serializer], (id, args) => {
    echo(args).then((result) => endpoint.send(id, result), fail);
  });
  serveDriver(() => {
    endpoint.close();
    process.exit(0);
  });
  emit({ event: 'ready' });
}

main().catch(fail);
