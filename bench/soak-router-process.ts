/**
 * The soak's router: a thoth router on RawSocket 127.0.0.1 port 0, silent logger.
 * Prints {"event":"ready","urls":[...]}; on each "sample" stdin line prints its
 * memory; when stdin closes, prints its peak RSS and exits.
 */
import { createInterface } from 'node:readline';
import { Router } from '../src/router/index.js';

function line(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function main(): Promise<void> {
  const router = new Router();
  const urls = await router.listen({ rawsocket: { host: '127.0.0.1', port: 0 } });
  const input = createInterface({ input: process.stdin });
  input.on('line', (text) => {
    if (text.trim() !== 'sample') return;
    const m = process.memoryUsage();
    line({ event: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external, sessions: router.sessionCount });
  });
  input.on('close', () => {
    const maxRssKb = process.resourceUsage().maxRSS;
    void router.close().then(() => {
      line({ event: 'exit', maxRssKb });
      process.exit(0);
    });
  });
  line({ event: 'ready', urls });
}

main().catch((error: unknown) => {
  line({ event: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
