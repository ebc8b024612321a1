import { z } from 'zod';
import { ErrorUri, RemoteError } from '../client/index.js';
import type { Agent } from './agent.js';
import { pluginSpecSchema } from './config.js';
import type { AgentProcedure } from './device-link.js';
import { AgentError } from './errors.js';
import { formatZodError } from '../common/zod-error.js';

const unloadSchema = z.strictObject({ name: z.string().min(1) });
const reloadSchema = z.strictObject({ name: z.string().min(1), config: z.record(z.string(), z.unknown()).optional() });

/** AgentError -> wamp.error.invalid_argument with its message; anything else as it is. */
function answer(error: unknown): never {
  if (error instanceof AgentError) throw new RemoteError(ErrorUri.invalidArgument, [error.message], { code: error.code });
  throw error;
}

function parse<T>(schema: z.ZodType<T>, kwargs: unknown, procedure: string): T {
  const parsed = schema.safeParse(kwargs);
  if (parsed.success) return parsed.data;
  const what = formatZodError(parsed.error, 'kwargs');
  throw new RemoteError(ErrorUri.invalidArgument, [`${procedure}: ${what}`]);
}

/**
 * The agent's own procedures. Every agent registers them shared (round robin),
 * so a caller picks the agent with `--device` / CALL option `_device`.
 */
export function agentProcedures(agent: Agent): AgentProcedure[] {
  return [
    {
      uri: 'agent.plugins.list',
      handler: () => agent.plugins(),
    },
    {
      uri: 'agent.plugins.load',
      handler: async (_args, kwargs) => {
        const spec = parse(pluginSpecSchema, kwargs, 'agent.plugins.load');
        return agent.loadPlugin(spec).catch(answer);
      },
    },
    {
      uri: 'agent.plugins.unload',
      handler: async (_args, kwargs) => {
        const { name } = parse(unloadSchema, kwargs, 'agent.plugins.unload');
        await agent.unloadPlugin(name).catch(answer);
        return { unloaded: name };
      },
    },
    {
      uri: 'agent.plugins.reload',
      handler: async (_args, kwargs) => {
        const { name, config } = parse(reloadSchema, kwargs, 'agent.plugins.reload');
        return agent.reloadPlugin(name, config).catch(answer);
      },
    },
    {
      uri: 'agent.shutdown',
      handler: () => {
        // Answer first; the agent stops once the answer is on its way.
        setTimeout(() => void agent.stop('agent.shutdown was called'), 0);
        return { stopping: true, device: agent.identity?.id };
      },
    },
  ];
}
