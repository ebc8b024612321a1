import { Router, type RouterOptions } from '../../../src/router/index.js';

export interface RunningRouter {
  readonly router: Router;
  /** ws://127.0.0.1:<port>/ws */
  readonly wsUrl: string;
  /** tcp://127.0.0.1:<port> */
  readonly rawUrl: string;
  close(): Promise<void>;
}

/** A router on loopback, WebSocket and RawSocket on ephemeral ports, realm "thoth". */
export async function startRouter(options: RouterOptions = {}): Promise<RunningRouter> {
  // A short shutdown wait by default: clients that fail to answer GOODBYE must not stretch the test run.
  const router = new Router({ shutdownTimeoutMs: 500, ...options });
  const urls = await router.listen({ websocket: { host: '127.0.0.1', port: 0 }, rawsocket: { host: '127.0.0.1', port: 0 } });
  const wsUrl = urls.find((u) => u.startsWith('ws://'));
  const rawUrl = urls.find((u) => u.startsWith('tcp://'));
  if (wsUrl === undefined || rawUrl === undefined) {
    await router.close();
    throw new Error(`router did not report both listeners: ${urls.join(', ')}`);
  }
  return { router, wsUrl, rawUrl, close: () => router.close() };
}
