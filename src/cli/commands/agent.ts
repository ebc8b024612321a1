import { Command, Option } from 'commander';
import { Agent } from '../../agent/agent.js';
import {
  configFromEnv, loadAgentConfigFile, parseAgentConfig, parseTags, resolveAgentSettings, type AgentConfig, type AgentSettings,
} from '../../agent/config.js';
import { AgentError } from '../../agent/errors.js';
import { describePluginFlags, splitPluginFlags, type RawPluginFlag } from '../../agent/plugin-flags.js';
import { preparePlugin } from '../../agent/prepare.js';
import { createLogger, logLevels, type LogLevel, type Logger } from '../../observability/logger.js';
import { CliError } from '../errors.js';
import { parseInteger } from '../parse-values.js';

export interface AgentFlags {
  router?: string;
  realm?: string;
  config?: string;
  name?: string;
  tag?: string[];
  dataDir?: string;
  plugin?: string[];
  heartbeatInterval?: number;
  shutdownDeadline?: number;
  logLevel?: LogLevel;
  auth?: string;
  dht?: boolean;
  dhtHost?: string;
  dhtPort?: number;
  help?: boolean;
}

const flagOfKey: Record<string, string> = {
  router: '--router', realm: '--realm', name: '--name', tags: '--tag', dataDir: '--data-dir', plugins: '--plugin',
  heartbeatIntervalMs: '--heartbeat-interval', shutdownDeadlineMs: '--shutdown-deadline', logLevel: '--log-level', auth: '--auth',
  dht: '--dht-host',
};

export const perPluginHelp = `
Per-plugin flags: --<plugin>.<key> <value>, derived from each plugin's config schema,
e.g. --fs.roots /a,/b or --media.player mpv; those of the configured plugins follow.`;

export const envHelp = `
Environment: THOTH_URL, THOTH_REALM, THOTH_AGENT_NAME, THOTH_TAGS (k=v,k=v), THOTH_DATA_DIR,
THOTH_LOG_LEVEL, THOTH_AGENT_AUTH, THOTH_HEARTBEAT_INTERVAL_MS, THOTH_SHUTDOWN_DEADLINE_MS, THOTH_AGENT_CONFIG,
THOTH_DHT (true/false), THOTH_DHT_HOST, THOTH_DHT_PORT, THOTH_TLS_FINGERPRINT, THOTH_TLS_CA.
Precedence: defaults < config file < environment < flags.`;

/**
 * The agent options shared by `thoth agent` and `thoth up` (not --router,
 * --realm, --config, --data-dir: up has router options of those names).
 */
export function addAgentOptions(command: Command): Command {
  return command
    .addOption(new Option('--name <name>', 'device name (default: the hostname)'))
    .addOption(new Option('--tag <key=value...>', 'device tag, e.g. --tag room=living (repeatable)'))
    .addOption(new Option('--plugin <spec...>', 'plugin to run: system, fs, notify, media, a path or a package name (repeatable; default: the built-ins)'))
    .addOption(new Option('--heartbeat-interval <ms>', 'heartbeat interval (default: what the router asks for)').argParser(parseInteger('--heartbeat-interval', 1, 2 ** 31 - 1)))
    .addOption(new Option('--auth <mode>', 'how to join: auto (the device key unless the router is on this machine), device, anonymous (default auto)'))
    .addOption(new Option('--shutdown-deadline <ms>', 'time plugins get to stop before their threads are terminated (default 5000)').argParser(parseInteger('--shutdown-deadline', 1, 2 ** 31 - 1)))
    .addOption(new Option('--dht', 'run a DHT node (default: only when the router is on this machine)'))
    .addOption(new Option('--no-dht', 'run no DHT node'))
    .addOption(new Option('--dht-host <host>', 'address the DHT node listens on; 0.0.0.0 for other devices (no peer authentication yet, see docs/dht.md) (default 127.0.0.1)'))
    .addOption(new Option('--dht-port <port>', 'DHT node port, 0 for any free port (default 0)').argParser(parseInteger('--dht-port', 0, 65535)));
}

/** The `dht` key the --dht, --no-dht, --dht-host and --dht-port flags give, if any. */
function dhtFlags(flags: AgentFlags): Record<string, unknown> | undefined {
  const dht = { enabled: flags.dht, host: flags.dhtHost, port: flags.dhtPort };
  const given = Object.fromEntries(Object.entries(dht).filter(([, value]) => value !== undefined));
  return Object.keys(given).length === 0 ? undefined : given;
}

/** The config layer the flags give; a bad value is an error naming the flag. */
export function flagLayer(flags: AgentFlags, dataDir: string | undefined): AgentConfig {
  try {
    const raw: Record<string, unknown> = {
      router: flags.router, realm: flags.realm, name: flags.name, dataDir,
      tags: flags.tag === undefined ? undefined : parseTags(flags.tag, '--tag'),
      plugins: flags.plugin?.map((use) => ({ use })),
      heartbeatIntervalMs: flags.heartbeatInterval, shutdownDeadlineMs: flags.shutdownDeadline, logLevel: flags.logLevel, auth: flags.auth,
      dht: dhtFlags(flags),
    };
    for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key];
    const layer: AgentConfig = {};
    for (const [key, value] of Object.entries(raw)) Object.assign(layer, resolveKey(key, value));
    return layer;
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}

function resolveKey(key: string, value: unknown): AgentConfig {
  try {
    return parseAgentConfig({ [key]: value }, 'flags');
  } catch (error) {
    const message = (error as Error).message.replace(/^flags: /, '').replace(new RegExp(`^${key}(\\.\\S*)?: `), '');
    throw new Error(`${flagOfKey[key] ?? key}: ${message}`);
  }
}

/** Settings from file, env and flags, plus the per-plugin flags found among the unknown arguments. */
export async function agentSettings(layers: { file?: string; flags: AgentConfig; extra?: AgentConfig }, unknownArgs: readonly string[]): Promise<{ settings: AgentSettings; pluginFlags: RawPluginFlag[] }> {
  try {
    const file = layers.file === undefined ? {} : await loadAgentConfigFile(layers.file);
    const settings = resolveAgentSettings([file, configFromEnv(process.env), layers.flags, layers.extra ?? {}]);
    return { settings, pluginFlags: splitPluginFlags(unknownArgs) };
  } catch (error) {
    if (error instanceof AgentError) throw new CliError(error.message, 2);
    throw error;
  }
}

/** Help text for the flags of every plugin the settings name; a plugin that cannot be loaded says why. */
export async function pluginFlagsHelp(settings: AgentSettings): Promise<string> {
  const sections: string[] = [];
  for (const spec of settings.plugins) {
    try {
      const plugin = await preparePlugin({ ...spec, config: {} }).catch(async (error: unknown) => {
        // A config the plugin refuses without its settings still has flags: load it with the configured ones.
        if (error instanceof AgentError && error.code === 'plugin_config') return preparePlugin(spec);
        throw error;
      });
      const lines = describePluginFlags(plugin.name, plugin.flags);
      sections.push(`Plugin ${plugin.name}${plugin.definition.description ? ` (${plugin.definition.description})` : ''}:\n${lines.length > 0 ? lines.join('\n') : '  (no flags)'}`);
    } catch (error) {
      sections.push(`Plugin ${spec.use}: ${(error as Error).message}`);
    }
  }
  return sections.join('\n\n');
}

/**
 * Run an agent until SIGINT/SIGTERM, agent.shutdown, or a 'stop-agent' plugin
 * ends. A second signal exits at once.
 */
export async function runAgent(agent: Agent, logger: Logger): Promise<void> {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping');
    void agent.stop(`signal ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    try {
      await agent.start();
    } catch (error) {
      if (!(error instanceof AgentError)) throw error;
      if (error.code !== 'stopped') throw new CliError(error.message);
    }
    const { reason, failed } = await agent.done;
    if (failed) throw new CliError(`the agent stopped: ${reason}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

export function agentCommand(): Command {
  const command = new Command('agent')
    .description("run this device's agent: register the device with the router and run its plugins, each in its own thread")
    .helpOption(false)
    .addOption(new Option('-h, --help', 'show this help, with the flags of each configured plugin'))
    .addOption(new Option('--router <url>', 'router URL (default ws://127.0.0.1:8080/ws)'))
    .addOption(new Option('--realm <realm>', 'realm to join (default thoth)'))
    .addOption(new Option('--config <file>', 'agent config file, JSON or YAML'))
    .addOption(new Option('--data-dir <dir>', 'where the device key is kept (default $XDG_STATE_HOME/thoth or ~/.local/state/thoth)'));
  addAgentOptions(command)
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)').choices(logLevels))
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: AgentFlags, cmd: Command) => {
      const { settings, pluginFlags } = await agentSettings({ file: flags.config ?? nonEmpty(process.env['THOTH_AGENT_CONFIG']), flags: flagLayer(flags, flags.dataDir) }, flags.help ? [] : cmd.args);
      if (flags.help) {
        process.stdout.write(`${cmd.helpInformation()}${perPluginHelp}\n${envHelp}\n\n${await pluginFlagsHelp(settings)}\n`);
        return;
      }
      const logger = createLogger({ level: settings.logLevel });
      const agent = new Agent({ settings, pluginFlags, logger });
      await runAgent(agent, logger);
    });
  return command;
}
