import type { SimReport } from './simulate.js';

/**
 * A small line chart of mean hops against N (log scale), with log16 N for reference: one
 * circle per run, carrying data-nodes and data-hops (and a title for a tooltip).
 */
export function hopsChart(reports: readonly SimReport[]): string {
  const width = 480;
  const height = 300;
  const left = 50;
  const right = 20;
  const top = 20;
  const bottom = 40;
  const points = [...reports].sort((a, b) => a.nodes - b.nodes);
  const logs = points.map((r) => Math.log10(r.nodes));
  const minLog = Math.floor(Math.min(...logs));
  const maxLog = Math.max(minLog + 1, Math.ceil(Math.max(...logs)));
  const maxHops = Math.ceil(Math.max(...points.map((r) => Math.max(r.lookups.meanHops, Math.log(r.nodes) / Math.log(16))))) + 1;
  const x = (n: number): number => left + ((Math.log10(n) - minLog) / (maxLog - minLog)) * (width - left - right);
  const y = (hops: number): number => height - bottom - (hops / maxHops) * (height - top - bottom);
  const line = (values: [number, number][]): string => values.map(([n, h]) => `${x(n).toFixed(1)},${y(h).toFixed(1)}`).join(' ');
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<line x1="${left}" y1="${y(0)}" x2="${width - right}" y2="${y(0)}" stroke="black"/>`);
  parts.push(`<line x1="${left}" y1="${y(0)}" x2="${left}" y2="${top}" stroke="black"/>`);
  for (let e = minLog; e <= maxLog; e++) {
    parts.push(`<text x="${x(10 ** e)}" y="${height - bottom + 16}" text-anchor="middle">${(10 ** e).toLocaleString('en-US')}</text>`);
  }
  for (let h = 0; h <= maxHops; h++) parts.push(`<text x="${left - 8}" y="${y(h) + 4}" text-anchor="end">${h}</text>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">nodes (N)</text>`);
  const reference: [number, number][] = [];
  for (let e = minLog; e <= maxLog + 1e-9; e += 0.25) reference.push([10 ** e, e / Math.log10(16)]);
  parts.push(`<polyline points="${line(reference)}" fill="none" stroke="#999" stroke-dasharray="4 3"/>`);
  parts.push(`<polyline points="${line(points.map((r) => [r.nodes, r.lookups.meanHops]))}" fill="none" stroke="#1f5fbf" stroke-width="2"/>`);
  for (const r of points) {
    const hops = r.lookups.meanHops.toFixed(2);
    parts.push(
      `<circle cx="${x(r.nodes).toFixed(1)}" cy="${y(r.lookups.meanHops).toFixed(1)}" r="3" fill="#1f5fbf" data-nodes="${r.nodes}" data-hops="${hops}"><title>N = ${r.nodes.toLocaleString('en-US')}: ${hops} hops</title></circle>`,
    );
  }
  parts.push(`<text x="${left + 8}" y="${top + 4}" fill="#1f5fbf">mean hops</text>`);
  parts.push(`<text x="${left + 8}" y="${top + 18}" fill="#999">log16 N</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
