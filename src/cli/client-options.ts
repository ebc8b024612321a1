import { Option, type Command } from 'commander';
import { connect, type Session } from '../client/index.js';
import { CliError } from './errors.js';

export const defaultRouterUrl = 'ws://127.0.0.1:8080/ws';

export interface ClientFlags {
  url: string;
  realm: string;
  serializer: 'json' | 'msgpack';
  timeout?: number;
}

/** The flags every client command shares: where the router is and how to speak to it. */
export function addClientOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'router URL: ws://, tcp:// or unix://').default(defaultRouterUrl).env('THOTH_URL'))
    .addOption(new Option('--realm <realm>', 'realm to join').default('thoth').env('THOTH_REALM'))
    .addOption(new Option('--serializer <name>', 'wire serializer').choices(['json', 'msgpack']).default('json'));
}

/** Connect without reconnecting: a CLI command either reaches the router or says why not. */
export async function openSession(flags: ClientFlags): Promise<Session> {
  try {
    return await connect({ url: flags.url, realm: flags.realm, serializer: flags.serializer, reconnect: false, connectTimeoutMs: 5000 });
  } catch (error) {
    throw new CliError(`cannot reach the router at ${flags.url}: ${(error as Error).message}`);
  }
}
