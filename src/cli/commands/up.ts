import { Command, Option } from 'commander';
import { Agent } from '../../agent/agent.js';
import type { AgentConfig } from '../../agent/config.js';
import { defaultDataDir } from '../../common/paths.js';
import type { Endpoint } from '../../router/index.js';
import { createLogger, type LogLevel } from '../../observability/logger.js';
import { loadRouterConfig, type RouterConfig } from '../config.js';
import { CliError } from '../errors.js';
import { addAgentOptions, agentSettings, flagLayer, perPluginHelp, pluginFlagsHelp, runAgent, type AgentFlags } from './agent.js';
import { addRouterOptions, startRouter, type RouterFlags } from './router.js';

interface UpFlags extends RouterFlags, Omit<AgentFlags, 'realm' | 'config' | 'dataDir' | 'logLevel'> {
  agentConfig?: string;
  help?: boolean;
}

/**
 * Where the embedded agent connects: the plain WebSocket listener, else RawSocket TCP,
 * else the Unix socket, else a TLS listener with its certificate pinned.
 */
function localEndpoint(endpoints: readonly Endpoint[]): AgentConfig {
  const plain = ['ws://', 'tcp://', 'unix://'].map((scheme) => endpoints.find((e) => e.url.startsWith(scheme))).find((e) => e !== undefined);
  const endpoint = plain ?? endpoints[0];
  if (endpoint === undefined) throw new CliError('the router has no listener for the agent to connect to');
  return endpoint.tlsFingerprint === undefined ? { router: endpoint.url } : { router: endpoint.url, tls: { fingerprint: endpoint.tlsFingerprint } };
}

export function upCommand(): Command {
  const command = addRouterOptions(new Command('up')
    .description("run a router with this machine's own agent in the same process (built-in plugins: system, notify, fs on the home folder, media)")
    .helpOption(false)
    .addOption(new Option('-h, --help', 'show this help, with the flags of each plugin')))
    .addOption(new Option('--agent-config <file>', 'agent config file, JSON or YAML').env('THOTH_AGENT_CONFIG'));
  addAgentOptions(command)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: UpFlags, cmd: Command) => {
      const routerConfig: RouterConfig = flags.config ? await loadRouterConfig(flags.config) : {};
      const dataDir = flags.dataDir ?? routerConfig.dataDir ?? defaultDataDir();
      const agentFlags = flagLayer({ ...flags, realm: undefined, logLevel: undefined }, dataDir);
      const logLevel: LogLevel = flags.logLevel ?? routerConfig.logLevel ?? 'info';
      if (flags.help) {
        const { settings } = await agentSettings({ file: flags.agentConfig, flags: agentFlags }, []);
        process.stdout.write(`${cmd.helpInformation()}${perPluginHelp}\n\n${await pluginFlagsHelp(settings)}\n`);
        return;
      }
      const logger = createLogger({ level: logLevel });
      const router = await startRouter({ ...flags, dataDir }, logger, routerConfig);
      logger.info({ realms: router.settings.realms, urls: router.urls }, 'router ready');
      try {
        const { settings, pluginFlags } = await agentSettings(
          { file: flags.agentConfig, flags: agentFlags, extra: { ...localEndpoint(router.endpoints), realm: router.settings.realms[0], logLevel } },
          cmd.args,
        );
        const agent = new Agent({ settings, pluginFlags, logger: logger.child({ component: 'agent' }) });
        await runAgent(agent, logger);
      } finally {
        await router.close();
      }
    });
  return command;
}
