/** node dist/bench/profile-summary.js <file.cpuprofile> [--top N]: self time by group and by function, as markdown. */
import { parseArgs } from 'node:util';
import { formatSummary, summarizeProfile } from './profile.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
if (positionals.length === 0) {
  process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile>... [--top N]\n');
  process.exit(2);
}
for (const path of positionals) {
  process.stdout.write(`### ${path}\n\n${formatSummary(summarizeProfile(path), Number(values.top))}\n\n`);
}
