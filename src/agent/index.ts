/**
 * thoth/agent: the device agent and the plugin API.
 *
 * @example
 *   import { definePlugin } from 'thoth/agent';
 *   export default definePlugin({ name: 'hello', modalities: [{ kind: 'greeter' }], config: z.object({}),
 *     async main({ session, signal }) { await session.register('hello.greet', ([who]) => `hi ${who}`);
 *       await new Promise((resolve) => signal.addEventListener('abort', resolve)); } });
 */
export { definePlugin, type PluginDefinition, type PluginContext, type ModalityDeclaration, type LiveModality } from './plugin.js';
export { Agent, type AgentOptions, type AgentEvents, type AgentStopped, type AgentState } from './agent.js';
export { AgentError, AgentErrorCode, type AgentErrorCodeValue } from './errors.js';
export {
  agentConfigSchema, pluginSpecSchema, builtinPluginNames, restartPolicies, defaults as agentDefaults,
  loadAgentConfigFile, parseAgentConfig, configFromEnv, resolveAgentSettings, resolvePluginSpec, defaultDataDir, defaultPlugins, parseTags,
  type AgentConfig, type AgentSettings, type PluginSpec, type ResolvedPluginSpec, type RestartPolicy, type BuiltinPluginName,
} from './config.js';
export { loadOrCreateIdentity, deviceIdFromPublicKey, base32, keyFileName, type DeviceIdentity } from './identity.js';
export { gatherFacts, type DeviceFacts, type FactSource, type NetworkInterfaceFacts } from './facts.js';
export { derivePluginFlags, splitPluginFlags, applyPluginFlags, describePluginFlags, type PluginFlag, type RawPluginFlag, type FlagKind } from './plugin-flags.js';
export { preparePlugin, preparePlugins, type PreparedPlugin } from './prepare.js';
export { PluginHost, type PluginEnd, type PluginInstance, type PluginHostOptions, type LaunchContext } from './plugin-host.js';
export { PluginRunner, type PluginStatus, type RunnerState, type RunnerOptions } from './runner.js';
