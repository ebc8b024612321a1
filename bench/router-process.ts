/** A thoth router on port 0 (WebSocket and RawSocket), silent logger; prints its URLs, and its peak RSS at exit. */
import { Router } from '../src/router/index.js';
import { emit, fail, maxRssKb, serveDriver } from './lines.js';

async function main(): Promise<void> {
  const router = new Router();
  const urls = await router.listen({ websocket: { host: '127.0.0.1', port: 0 }, rawsocket: { host: '127.0.0.1', port: 0 } });
  serveDriver(async () => {
    // Measure before shutdown so closing does not count.
    const rss = maxRssKb();
    await router.close();
    emit({ event: 'exit', maxRssKb: rss });
    // A normal exit, so that --cpu-prof writes its profile.
    process.exit(0);
  });
  emit({ event: 'ready', urls });
}

main().catch(fail);
