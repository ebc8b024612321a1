/**
 * A thoth router with the mesh installed, RawSocket on 127.0.0.1 port 0, silent
 * logger; prints its URLs, and its peak RSS at exit. Its internal session also
 * serves bench.router.usage (a forced GC when asked, with node --expose-gc, then
 * this process's CPU time and memory) and bench.router.targeting (the dealer's
 * device-targeting step alone, timed in a loop).
 */
import { installMesh } from '../src/mesh/index.js';
import { Router } from '../src/router/index.js';
import { childConfig, emit, fail, maxRssKb, serveDriver } from './lines.js';
import type { Realm } from '../src/router/realm.js';
import { TARGETING_PROCEDURE, USAGE_PROCEDURE, type MeshRouterConfig, type RouterUsage, type TargetingCost, type TargetingQuery } from './mesh-types.js';

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function usage(wantGc: boolean): RouterUsage {
  const before = cpuMicros();
  const gc = wantGc ? (globalThis as { gc?: () => void }).gc : undefined;
  // Twice: objects freed by the first collection's finalizers go in the second.
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  return { cpuMicros: before, cpuMicrosAfterGc: cpuMicros(), rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, externalBytes: memory.external, gc: gc !== undefined };
}

function targetingCost(realm: Realm, query: TargetingQuery): TargetingCost {
  const registration = realm.dealer.table.best(query.procedure);
  const targeting = realm.dealer.targeting;
  if (registration === undefined || targeting === undefined) throw new Error(`no registration of ${query.procedure}, or no targeting installed`);
  // Batches of 16 between clock reads until the budget (CPU time, so a busy machine does not inflate it) is spent.
  const run = (budgetMs: number): { iterations: number; micros: number; last: ReturnType<typeof targeting.candidates> } => {
    const started = cpuMicros();
    let iterations = 0;
    let last = targeting.candidates(registration, query.options);
    for (;;) {
      for (let i = 0; i < 16; i++) last = targeting.candidates(registration, query.options);
      iterations += 16;
      const micros = cpuMicros() - started;
      if (micros >= budgetMs * 1000) return { iterations, micros, last };
    }
  };
  run(query.budgetMs / 10);
  const { iterations, micros, last } = run(query.budgetMs);
  return { nsPerCall: (micros * 1000) / iterations, iterations, candidates: Array.isArray(last) ? last.length : (last as { uri: string }).uri };
}

async function main(): Promise<void> {
  const config = childConfig<MeshRouterConfig>();
  const router = new Router();
  installMesh(router, { dataDir: config.dataDir, heartbeatTimeoutMs: config.heartbeatTimeoutMs });
  const realm = router.realm('thoth');
  if (realm === undefined) throw new Error('the router serves no realm "thoth"');
  realm.provide(USAGE_PROCEDURE, (_args, kwargs) => usage(kwargs['gc'] === true));
  realm.provide(TARGETING_PROCEDURE, (_args, kwargs) => targetingCost(realm, kwargs as unknown as TargetingQuery));
  const urls = await router.listen({ rawsocket: { host: '127.0.0.1', port: 0 } });
  serveDriver(async () => {
    const rss = maxRssKb();
    await router.close();
    emit({ event: 'exit', maxRssKb: rss });
    process.exit(0);
  });
  emit({ event: 'ready', urls });
}

main().catch(fail);
