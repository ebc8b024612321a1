import type { LookupStats } from './measure.js';
import type { SimReport } from './simulate.js';

const fixed = (n: number, digits = 2): string => n.toFixed(digits);
const percent = (part: number, whole: number): string => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);

/** Mean hops not counting attempts that found the next hop dead. */
export function liveHops(stats: LookupStats): number {
  return stats.lookups === 0 ? 0 : stats.meanHops - stats.deadAttempts / stats.lookups;
}

/** The reports as markdown: one summary row per run, then each run's hop distribution. */
export function markdownReport(reports: readonly SimReport[]): string {
  const lines: string[] = [];
  lines.push('| nodes | b | l | M | build s | lookups | correct | mean hops | log16 N | distance ratio (mean / of sums) | table entries |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of reports) {
    const s = r.lookups;
    lines.push(
      `| ${r.nodes} | ${r.config.b} | ${r.config.l} | ${r.config.m} | ${fixed(r.buildMs / 1000, 1)} | ${s.lookups} | ${percent(s.correct, s.lookups)} | ${fixed(s.meanHops)} | ${fixed(Math.log(r.nodes) / Math.log(16))} | ${fixed(s.distanceRatio)} / ${fixed(s.distanceRatioOfSums)} | ${fixed(r.fill.meanEntries, 1)} |`,
    );
  }
  const maxHops = Math.max(...reports.map((r) => r.lookups.hopCounts.length - 1));
  lines.push('', `| nodes | ${Array.from({ length: maxHops + 1 }, (_, h) => `${h} hops`).join(' | ')} |`);
  lines.push(`|---:|${'---:|'.repeat(maxHops + 1)}`);
  for (const r of reports) {
    const cells = Array.from({ length: maxHops + 1 }, (_, h) => percent(r.lookups.hopCounts[h] ?? 0, r.lookups.lookups));
    lines.push(`| ${r.nodes} | ${cells.join(' | ')} |`);
  }
  const failures = reports.filter((r) => r.failure !== undefined);
  if (failures.length > 0) {
    lines.push('', '| nodes | failed | phase | correct | mean hops | hops to live nodes | dead next hops | distance ratio |');
    lines.push('|---:|---:|---|---:|---:|---:|---:|---:|');
    for (const r of failures) {
      const f = r.failure;
      if (f === undefined) continue;
      const rows: [string, LookupStats][] = [
        ['no failures', r.lookups],
        ['before repair', f.before],
        [`after repair (${fixed(f.repairMs / 1000, 1)} s)`, f.after],
      ];
      for (const [phase, s] of rows) {
        lines.push(
          `| ${r.nodes} | ${f.failed} | ${phase} | ${percent(s.correct, s.lookups)} | ${fixed(s.meanHops)} | ${fixed(liveHops(s))} | ${s.deadAttempts} | ${fixed(s.distanceRatio)} |`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
