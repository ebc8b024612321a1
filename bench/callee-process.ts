/** thoth SDK callee: registers bench.echo, which returns its positional args. */
import { connect, Result } from '../src/client/index.js';
import type { SerializerName } from '../src/codec/serializer.js';
import { childConfig, emit, fail, serveDriver } from './lines.js';

interface Config {
  url: string;
  serializer: SerializerName;
}

const ECHO_PROCEDURE = 'bench.echo';

async function main(): Promise<void> {
  const config = childConfig<Config>();
  const session = await connect({ url: config.url, realm: 'thoth', serializer: config.serializer, reconnect: false });
  // Result: YIELD carries exactly the call's args (a plain value would be wrapped as [value]).
  await session.register(ECHO_PROCEDURE, async (args) => new Result(args));
  serveDriver(async () => {
    await session.close();
    process.exit(0);
  });
  emit({ event: 'ready' });
}

main().catch(fail);
