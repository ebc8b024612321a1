/** thoth SDK caller: calls bench.echo under the shared load loop and prints one result line. */
import { connect } from '../src/client/index.js';
import type { SerializerName } from '../src/codec/serializer.js';
import { runLoad, type LoadOptions } from './load.js';
import { payloadArgs, type PayloadName } from './scenarios.js';
import { childConfig, emit, fail, windowSampler } from './lines.js';

interface Config extends LoadOptions {
  url: string;
  serializer: SerializerName;
  payload: PayloadName;
}

async function main(): Promise<void> {
  const config = childConfig<Config>();
  const session = await connect({ url: config.url, realm: 'thoth', serializer: config.serializer, reconnect: false });
  const args = payloadArgs(config.payload);
  const sampler = windowSampler();
  const result = await runLoad(() => session.call('bench.echo', args), config, sampler);
  emit({ event: 'result', result, self: sampler.delta() });
  await session.close();
  process.exit(0);
}

main().catch(fail);
