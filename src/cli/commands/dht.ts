import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { addClientOptions, openSession, type ClientFlags } from '../client-options.js';
import { parseArgValue, parseInteger } from '../parse-values.js';
import { remoteDht, type RemoteDht } from '../../dht/api/remote.js';
import type { DhtStatus } from '../../dht/api/schemas.js';
import { simulate, type SimReport } from '../../dht/simulator/simulate.js';
import { markdownReport } from '../../dht/simulator/report.js';
import { hopsChart } from '../../dht/simulator/svg.js';

interface SimFlags {
  nodes: string;
  b: string;
  l: string;
  m: string;
  lookups: string;
  fail: string;
  seed: string;
  /** The chart's path; false with --no-svg. */
  svg: string | false;
  locality: boolean;
}

/** Where `thoth dht sim` writes its chart when --svg does not say: the current directory. */
export const DEFAULT_SIM_SVG = 'thoth-dht-sim.svg';

function integer(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new CliError(`--${name}: expected an integer >= ${min}, got "${text}"`, 2);
  return value;
}

function fraction(name: string, text: string): number {
  const value = Number(text);
  if (!(value >= 0 && value < 1)) throw new CliError(`--${name}: expected a number in [0, 1), got "${text}"`, 2);
  return value;
}

function simCommand(): Command {
  return new Command('sim')
    .description('build a simulated Pastry overlay of N nodes by joins and measure its routing')
    // main.ts sets exitOverride on top-level commands only: without this a bad flag here would exit 1 from inside commander.
    .exitOverride()
    .requiredOption('--nodes <n[,n...]>', 'overlay sizes, comma-separated (several give a hops-vs-N chart)')
    .addOption(new Option('--b <bits>', 'bits per digit (1..8)').default('4'))
    .addOption(new Option('--l <size>', 'leaf set size (even)').default('16'))
    .addOption(new Option('--m <size>', 'neighborhood set size').default('32'))
    .addOption(new Option('--lookups <n>', 'lookups per measurement').default('10000'))
    .addOption(new Option('--fail <fraction>', 'fraction of nodes to fail without notice, then repair').default('0'))
    .addOption(new Option('--seed <n>', 'random seed (same seed, same figures)').default('1'))
    .addOption(new Option('--svg <file>', 'where to write the SVG chart of mean hops against N').default(DEFAULT_SIM_SVG))
    .addOption(new Option('--no-svg', 'write no chart'))
    .addOption(new Option('--no-locality', "skip the join's second, locality-improving stage"))
    .action(async (flags: SimFlags) => {
      const sizes = flags.nodes.split(',').map((text) => integer('nodes', text.trim(), 1));
      const config = { b: integer('b', flags.b, 1), l: integer('l', flags.l, 2), m: integer('m', flags.m, 0) };
      if (config.b > 8) throw new CliError(`--b: expected an integer in 1..8, got "${flags.b}"`, 2);
      if (config.l % 2 !== 0) throw new CliError(`--l: expected an even number, got "${flags.l}"`, 2);
      const lookups = integer('lookups', flags.lookups, 1);
      const fail = fraction('fail', flags.fail);
      const seed = integer('seed', flags.seed, 0);
      const svg = flags.svg === false ? undefined : resolve(flags.svg);
      // Refuse an unwritable chart path before the (possibly minutes long) simulation, not after.
      if (svg !== undefined) {
        await access(dirname(svg), constants.W_OK).catch(() => {
          throw new CliError(`--svg: cannot write to the directory of ${svg}`, 2);
        });
      }
      const reports: SimReport[] = [];
      for (const nodes of sizes) {
        reports.push(simulate({ nodes, config, lookups, fail, seed, locality: flags.locality }));
      }
      process.stdout.write(markdownReport(reports));
      process.stdout.write(`\npeak memory (max RSS): ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);
      if (svg !== undefined) {
        await writeFile(svg, hopsChart(reports)).catch((error: unknown) => {
          throw new CliError(`--svg: cannot write ${svg}: ${error instanceof Error ? error.message : String(error)}`);
        });
        process.stdout.write(`chart of mean hops against N written to ${svg}\n`);
      }
    });
}

interface RemoteFlags extends ClientFlags {
  device?: string;
  json?: boolean;
}

/** A subcommand served by an agent's DHT node through the router (any agent's, or --device's). */
function remoteCommand(name: string, description: string): Command {
  const command = new Command(name)
    .description(description)
    .addOption(new Option('--device <device>', "use this device's node (id or name; default: any agent running one)"))
    .addOption(new Option('--timeout <ms>', 'fail after this many milliseconds').argParser(parseInteger('--timeout', 1, 2 ** 31 - 1)));
  return addClientOptions(command);
}

async function withDht<T>(flags: RemoteFlags, run: (dht: RemoteDht) => Promise<T>): Promise<T> {
  const session = await openSession(flags);
  try {
    return await run(remoteDht(session, { ...(flags.device === undefined ? {} : { device: flags.device }), ...(flags.timeout === undefined ? {} : { timeoutMs: flags.timeout }) }));
  } finally {
    await session.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** `thoth dht status` as text. */
export function describeStatus(status: DhtStatus): string {
  const short = (id: string): string => id.slice(0, 8);
  const { leafSet, routingTable, storage } = status;
  const rows = routingTable.rows.map((r) => `row ${r.row}: ${r.filled}/${r.slots}`).join(', ') || 'empty';
  return [
    `node       ${status.id} at ${status.host}:${status.port} (${status.phase})`,
    `leaf set   ${leafSet.smaller.length} smaller [${leafSet.smaller.map((p) => short(p.id)).join(' ')}], ${leafSet.larger.length} larger [${leafSet.larger.map((p) => short(p.id)).join(' ')}]`,
    `routing    ${routingTable.entries} entries; ${rows}`,
    `neighbors  ${status.neighborhood}`,
    `storage    ${storage.keys} keys, ${kib(storage.bytesUsed)} of ${kib(storage.maxBytes)}${storage.path === null ? ' (in memory)' : ` (${storage.path})`}`,
    `replicas   ${status.replicas}`,
  ].join('\n');
}

function statusCommand(): Command {
  return remoteCommand('status', "a node's id, address, leaf set, routing table fill and storage use")
    .addOption(new Option('--json', 'print the status record as JSON'))
    .action(async (flags: RemoteFlags) => {
      const status = await withDht(flags, (dht) => dht.status());
      process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : `${describeStatus(status)}\n`);
    });
}

function putCommand(): Command {
  return remoteCommand('put', 'store a value under a key (on the k nodes closest to it); prints what is stored')
    .argument('<key>', 'any string')
    .argument('<value>', 'JSON, or a plain string')
    .addOption(new Option('--at-version <n>', 'the write\'s version (default: now in ms); the greater (version, writer) wins').argParser(parseInteger('--at-version', 0, Number.MAX_SAFE_INTEGER)))
    .action(async (key: string, value: string, flags: RemoteFlags & { atVersion?: number }) => {
      print(await withDht(flags, (dht) => dht.put(key, parseArgValue(value), flags.atVersion === undefined ? {} : { version: flags.atVersion })));
    });
}

function getCommand(): Command {
  return remoteCommand('get', 'print the value under a key with its version and writer (exit 1 when there is none)')
    .argument('<key>', 'any string')
    .action(async (key: string, flags: RemoteFlags) => {
      const stored = await withDht(flags, (dht) => dht.get(key));
      if (stored === undefined) throw new CliError(`no value under "${key}"`);
      print(stored);
    });
}

function removeCommand(): Command {
  return remoteCommand('remove', 'remove the value under a key (a tombstone, replicated like a write)')
    .argument('<key>', 'any string')
    .action(async (key: string, flags: RemoteFlags) => {
      print(await withDht(flags, (dht) => dht.remove(key)));
    });
}

function routeCommand(): Command {
  return remoteCommand('route', 'route to the node responsible for a key and print it and the hop count')
    .argument('<key>', 'any string')
    .action(async (key: string, flags: RemoteFlags) => {
      print(await withDht(flags, (dht) => dht.route(key)));
    });
}

export function dhtCommand(): Command {
  return new Command('dht')
    .description("the Pastry DHT: the agents' overlay (status, put, get, remove, route) and the simulator (sim)")
    .addCommand(statusCommand())
    .addCommand(putCommand())
    .addCommand(getCommand())
    .addCommand(removeCommand())
    .addCommand(routeCommand())
    .addCommand(simCommand());
}
