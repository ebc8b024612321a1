import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { CliError } from '../errors.js';
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
  svg?: string;
  locality: boolean;
}

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
    .requiredOption('--nodes <n[,n...]>', 'overlay sizes, comma-separated (several give a hops-vs-N chart)')
    .addOption(new Option('--b <bits>', 'bits per digit (1..8)').default('4'))
    .addOption(new Option('--l <size>', 'leaf set size (even)').default('16'))
    .addOption(new Option('--m <size>', 'neighborhood set size').default('32'))
    .addOption(new Option('--lookups <n>', 'lookups per measurement').default('10000'))
    .addOption(new Option('--fail <fraction>', 'fraction of nodes to fail without notice, then repair').default('0'))
    .addOption(new Option('--seed <n>', 'random seed (same seed, same figures)').default('1'))
    .addOption(new Option('--svg <file>', 'write an SVG chart of mean hops against N'))
    .addOption(new Option('--no-locality', "skip the join's second, locality-improving stage"))
    .action(async (flags: SimFlags) => {
      const sizes = flags.nodes.split(',').map((text) => integer('nodes', text.trim(), 1));
      const config = { b: integer('b', flags.b, 1), l: integer('l', flags.l, 2), m: integer('m', flags.m, 0) };
      if (config.b > 8) throw new CliError(`--b: expected an integer in 1..8, got "${flags.b}"`, 2);
      if (config.l % 2 !== 0) throw new CliError(`--l: expected an even number, got "${flags.l}"`, 2);
      const lookups = integer('lookups', flags.lookups, 1);
      const fail = fraction('fail', flags.fail);
      const seed = integer('seed', flags.seed, 0);
      const reports: SimReport[] = [];
      for (const nodes of sizes) {
        reports.push(simulate({ nodes, config, lookups, fail, seed, locality: flags.locality }));
      }
      process.stdout.write(markdownReport(reports));
      process.stdout.write(`\npeak memory (max RSS): ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);
      if (flags.svg !== undefined) {
        await writeFile(flags.svg, hopsChart(reports));
        process.stdout.write(`chart written to ${flags.svg}\n`);
      }
    });
}

export function dhtCommand(): Command {
  return new Command('dht').description('the Pastry DHT (for now: its simulator)').addCommand(simCommand());
}
