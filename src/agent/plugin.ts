import type { z } from 'zod';
import type { Session } from '../client/index.js';
import type { Logger } from '../observability/logger.js';
import type { Dict } from '../protocol/messages.js';

/** One capability a plugin provides, registered with the router as a modality. */
export interface ModalityDeclaration {
  /** speaker, screen, fs, notify, system, ... */
  kind: string;
  /** Human name; defaults to the plugin's name. */
  name?: string;
  details?: Dict;
}

/** A modality as registered: the declaration plus the router-generated id. */
export interface LiveModality extends Required<Omit<ModalityDeclaration, 'details'>> {
  id: number;
  details: Dict;
}

/** What a plugin's main() gets. */
export interface PluginContext<Config> {
  /** The plugin's own WAMP session to the router, bound to its modalities. */
  session: Session;
  logger: Logger;
  /** The plugin's config, validated against its schema. */
  config: Config;
  /** Aborted when the agent stops or unloads the plugin; main() should return soon after. */
  signal: AbortSignal;
  device: { id: string; name: string };
  /** The plugin's modalities, in declaration order, with their router ids. */
  modalities: LiveModality[];
  /** Directory for the plugin's own files (created on demand). */
  dataDir: string;
}

export interface PluginDefinition<Schema extends z.ZodType = z.ZodType> {
  /** Unique within an agent: letters, digits, '-' and '_'. */
  name: string;
  description?: string;
  modalities: ModalityDeclaration[];
  /** zod schema of the plugin's config; the agent derives validation and CLI flags from it. */
  config: Schema;
  /**
   * Runs the plugin: register procedures on ctx.session, then usually wait for ctx.signal.
   * Returning (or throwing) ends the plugin; the agent's runner policy decides what follows.
   */
  main(ctx: PluginContext<z.output<Schema>>): Promise<void>;
}

/** Declare a plugin; a plugin module's default export is the result. */
export function definePlugin<Schema extends z.ZodType>(definition: PluginDefinition<Schema>): PluginDefinition<Schema> {
  return definition;
}
