/** Baseline caller: the same load loop as the thoth caller, over the relay. */
import { serializers } from '../src/codec/index.js';
import type { SerializerName } from '../src/codec/serializer.js';
import { RelayEndpoint } from './relay-endpoint.js';
import { runLoad, type LoadOptions } from './load.js';
import { payloadArgs, type PayloadName } from './scenarios.js';
import { childConfig, emit, fail, windowSampler } from './lines.js';

interface Config extends LoadOptions {
  port: number;
  serializer: SerializerName;
  payload: PayloadName;
}

async function main(): Promise<void> {
  const config = childConfig<Config>();
  const pending = new Map<number, (args: unknown[]) => void>();
  const endpoint = await RelayEndpoint.connect(config.port, serializers[config.serializer], (id, args) => {
    const resolve = pending.get(id);
    if (resolve === undefined) throw new Error(`answer to unknown id ${id}`);
    pending.delete(id);
    resolve(args);
  });
  const args = payloadArgs(config.payload);
  let nextId = 0;
  const call = (): Promise<unknown[]> =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      endpoint.send(id, args);
    });
  const sampler = windowSampler();
  const result = await runLoad(call, config, sampler);
  emit({ event: 'result', result, self: sampler.delta() });
  endpoint.close();
  process.exit(0);
}

main().catch(fail);
