// The README's SDK tour as a runnable program: `node dist/examples/sdk-tour.js [url]` with a router running.
import { connect, RemoteError, defineProcedure, Result } from '../src/client/index.js';
import { z } from 'zod';

export async function tour(url: string): Promise<Record<string, unknown>> {
  const session = await connect({ url, serializer: 'msgpack' });
  const seen: Record<string, unknown> = {};

  // Plain procedures: return a value, or throw a RemoteError with your own URI.
  await session.register('com.example.div', ([a, b]) => {
    if (b === 0) throw new RemoteError('com.example.error.div_by_zero', ['cannot divide by zero']);
    return Number(a) / Number(b);
  });
  seen['div'] = (await session.call('com.example.div', [6, 3], undefined, { timeoutMs: 1000 })).value;
  seen['divError'] = await session.call('com.example.div', [1, 0]).catch((e: RemoteError) => e.uri);

  // Typed procedures: one declaration types the caller and validates on the callee.
  const add = defineProcedure({ name: 'com.example.add', args: z.object({ a: z.number(), b: z.number() }), result: z.number() });
  await session.provide(add, ({ a, b }) => a + b);
  const sum: number = await session.invoke(add, { a: 2, b: 3 });
  seen['sum'] = sum;

  // Progressive results.
  await session.register('com.example.stream', async (_args, _kwargs, details) => {
    for (let i = 0; i < 3; i++) details.progress([i]);
    return new Result(['done']);
  });
  const parts: unknown[] = [];
  for await (const part of session.callProgressive('com.example.stream')) parts.push(part.value);
  seen['stream'] = parts;

  // Cancellation with an AbortSignal.
  await session.register('com.example.slow', (_args, _kwargs, details) => new Promise((resolve) => details.signal.addEventListener('abort', () => resolve(null))));
  const controller = new AbortController();
  const slow = session.call('com.example.slow', [], undefined, { signal: controller.signal }).catch((e: RemoteError) => e.uri);
  controller.abort();
  seen['canceled'] = await slow;

  await session.close();
  return seen;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await tour(process.argv[2] ?? 'tcp://127.0.0.1:8081'));
}
