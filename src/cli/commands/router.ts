import { Command, Option } from 'commander';
import { Router } from '../../router/index.js';
import { createLogger, logLevels, type LogLevel, type Logger } from '../../observability/logger.js';
import { installMesh, openRegistry, type Registry } from '../../mesh/index.js';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { ownerSocketPath } from '../../common/paths.js';
import { installDhtBootstrap, OverlayAuthority } from '../../dht/bootstrap/index.js';
import { loadOrCreateEd25519Key } from '../../common/key-file.js';
import { defaultDataDir } from '../../common/paths.js';
import { buildAuthenticators, isLoopbackHost, mayListenOn, remoteAuthHint, unconfiguredRoles } from '../../router/auth/config.js';
import { loadRouterConfig, type RouterConfig } from '../config.js';
import { readTlsFiles } from '../tls-files.js';
import { CliError } from '../errors.js';
import { parseInteger } from '../parse-values.js';

/** The key the router signs DHT membership certificates with, in its data dir. */
export const dhtAuthorityKeyFile = 'dht-authority.pem';

export const routerDefaults = { host: '127.0.0.1', port: 8080, path: '/ws', rawsocketPort: 8081, realm: 'thoth' } as const;

export interface RouterFlags {
  host?: string;
  port?: number;
  path?: string;
  rawsocketPort?: number;
  unix?: string;
  realm?: string[];
  config?: string;
  logLevel?: LogLevel;
  dataDir?: string;
}

/** Build, start and return a router (with its device registry) from flags and config; throws CliError. */
export async function startRouter(flags: RouterFlags, logger: Logger, config: RouterConfig): Promise<Router> {
  const ws = config.websocket === false ? undefined : config.websocket ?? {};
  const raw = config.rawsocket === false ? undefined : config.rawsocket ?? {};
  const websocket = ws && {
    host: flags.host ?? ws.host ?? routerDefaults.host, port: flags.port ?? ws.port ?? routerDefaults.port, path: flags.path ?? ws.path ?? routerDefaults.path,
    ...(ws.tls && { tls: await readTlsFiles('websocket.tls', ws.tls) }),
    ...(ws.allowedOrigins && { allowedOrigins: ws.allowedOrigins }),
  };
  const rawsocket = raw && {
    host: flags.host ?? raw.host ?? routerDefaults.host, port: flags.rawsocketPort ?? raw.port ?? routerDefaults.rawsocketPort,
    ...(raw.tls && { tls: await readTlsFiles('rawsocket.tls', raw.tls) }),
  };
  const unixPath = flags.unix ?? (config.unix ? config.unix.path : undefined);
  for (const h of [websocket?.host, rawsocket?.host]) {
    if (h !== undefined && !mayListenOn(h, config.auth)) {
      throw new CliError(`refusing to listen on ${h}: anonymous access is only allowed on loopback and no other authentication method is configured. To listen beyond loopback, ${remoteAuthHint}; or listen on 127.0.0.1 (or ::1).`);
    }
  }
  const dataDir = flags.dataDir ?? config.dataDir ?? defaultDataDir();
  const registry = openRegistryOrFail(dataDir, logger);
  let authority: OverlayAuthority;
  try {
    authority = new OverlayAuthority((await loadOrCreateEd25519Key(join(dataDir, dhtAuthorityKeyFile), 'the DHT authority key', 'every device gets a new DHT certificate at its next announce')).privateKey);
  } catch (error) {
    registry.store.close();
    throw new CliError((error as Error).message);
  }
  const authenticators = buildAuthenticators(config.auth, { logger, devices: registry.pairing });
  if (config.auth?.ticket && [websocket, rawsocket].some((l) => l !== undefined && l.tls === undefined && !isLoopbackHost(l.host))) {
    logger.warn('ticket secrets travel in clear text on a listener beyond loopback without TLS: configure websocket.tls / rawsocket.tls, or prefer cryptosign');
  }
  const tcpHosts = [websocket?.host, rawsocket?.host].filter((h) => h !== undefined);
  // Anonymous sessions (the owner's tools) are admitted only on loopback listeners and Unix sockets:
  // a router listening beyond loopback alone gets a Unix socket in its data dir, for its owner only.
  const ownerSocket = config.auth?.anonymous !== false && unixPath === undefined && tcpHosts.length > 0 && !tcpHosts.some((h) => isLoopbackHost(h)) ? ownerSocketPath(dataDir) : undefined;
  const listenUnix = unixPath ?? ownerSocket;
  for (const role of unconfiguredRoles(config.auth)) {
    logger.warn({ role }, `role "${role}" has no entry in auth.roles: its principals may join but not call, register, publish or subscribe anything`);
  }
  let router: Router;
  try {
    router = new Router({ realms: flags.realm ?? config.realms, limits: config.limits, shutdownTimeoutMs: config.shutdownTimeoutMs, logger, authenticators, roles: config.auth?.roles });
  } catch (error) {
    registry.store.close();
    throw error;
  }
  try {
    installMesh(router, { registry, realm: router.settings.realms[0], ...config.mesh, logger });
    installDhtBootstrap(router, { realm: router.settings.realms[0], authority, pairing: registry.pairing });
    await router.listen({ websocket, rawsocket, unix: listenUnix ? { path: listenUnix } : false });
    if (ownerSocket !== undefined) {
      await chmod(ownerSocket, 0o600);
      logger.info({ path: ownerSocket }, `the owner's tools (thoth devices, thoth call ...) reach this router at unix://${ownerSocket}, found there by default`);
    }
  } catch (error) {
    await router.close();
    throw new CliError((error as Error).message);
  }
  return router;
}

function openRegistryOrFail(dataDir: string, logger: Logger): Registry {
  try {
    return openRegistry(dataDir, { logger });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** The router's flags, shared by `thoth router` and `thoth up`. */
export function addRouterOptions(command: Command): Command {
  return command
    .addOption(new Option('--host <host>', `address to listen on (default ${routerDefaults.host})`).env('THOTH_HOST'))
    .addOption(new Option('--port <port>', `WebSocket port, 0 for any free port (default ${routerDefaults.port})`).argParser(parseInteger('--port', 0, 65535)).env('THOTH_PORT'))
    .addOption(new Option('--path <path>', `WebSocket path (default ${routerDefaults.path})`))
    .addOption(new Option('--rawsocket-port <port>', `RawSocket TCP port, 0 for any free port (default ${routerDefaults.rawsocketPort})`).argParser(parseInteger('--rawsocket-port', 0, 65535)).env('THOTH_RAWSOCKET_PORT'))
    .addOption(new Option('--unix <path>', 'also listen for RawSocket on this Unix socket'))
    .addOption(new Option('--realm <name...>', `realm(s) to serve (default ${routerDefaults.realm})`))
    .addOption(new Option('--config <file>', 'config file, JSON or YAML').env('THOTH_CONFIG'))
    .addOption(new Option('--data-dir <dir>', `where the device registry is kept (default ${defaultDataDir()})`).env('THOTH_DATA_DIR'))
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)').choices(logLevels).env('THOTH_LOG_LEVEL'));
}

export function routerCommand(): Command {
  return addRouterOptions(new Command('router').description('run a thoth router (WebSocket and RawSocket on loopback by default)'))
    .action(async (flags: RouterFlags) => {
      await runRouter(flags);
    });
}

async function runRouter(flags: RouterFlags): Promise<void> {
  const config: RouterConfig = flags.config ? await loadRouterConfig(flags.config) : {};
  const logger = createLogger({ level: flags.logLevel ?? config.logLevel ?? 'info' });
  const router = await startRouter(flags, logger, config);
  logger.info({ realms: router.settings.realms, urls: router.urls }, 'router ready');
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'stopping');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      router.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
