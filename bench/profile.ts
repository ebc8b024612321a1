import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (node --cpu-prof) this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  key: string;
  micros: number;
  share: number;
}

export interface ProfileSummary {
  totalMicros: number;
  byFunction: SelfTime[];
  byGroup: SelfTime[];
}

/** Native socket writes: their samples include time spent preempted after waking the peer (see docs/performance.md). */
const WRITE_FRAMES = new Set(['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String']);
const WRITE_GROUP = 'native socket writes';

function isWrite(key: string): boolean {
  return WRITE_FRAMES.has(key);
}

/** Where a frame's code lives, in coarse groups: thoth layers, each dependency, Node internals, V8 states. */
export function groupOf(url: string, functionName: string): string {
  if (url === '') {
    if (isWrite(functionName)) return WRITE_GROUP;
    // (garbage collector), (idle), (program), or a native builtin
    return functionName.startsWith('(') ? functionName : 'native/builtin';
  }
  const inThoth = /\/(?:dist|\.build\/[^/]+)\/src\/([^/]+)\//.exec(url);
  if (inThoth?.[1]) return `thoth src/${inThoth[1]}`;
  if (url.includes('/bench/')) return 'thoth bench';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep?.[1]) return `dep ${dep[1]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0] ?? url}`;
  return url;
}

function shortUrl(url: string): string {
  const built = /\/(?:dist|\.build\/[^/]+)\/((?:src|bench)\/.*)$/.exec(url);
  if (built?.[1]) return built[1];
  const dep = url.lastIndexOf('node_modules/');
  return dep >= 0 ? url.slice(dep) : url;
}

/** Self time per function (name + file + line) and per group, from the sample stream. */
export function summarizeProfile(path: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the gap before sample i, so sample i lasts until the next one.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i];
    const duration = deltas[i + 1] ?? 0;
    if (id !== undefined) selfMicros.set(id, (selfMicros.get(id) ?? 0) + Math.max(0, duration));
  }
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const group = groupOf(url, functionName);
    byGroup.set(group, (byGroup.get(group) ?? 0) + micros);
    total += micros;
  }
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()].map(([key, micros]) => ({ key, micros, share: total > 0 ? micros / total : 0 })).sort((a, b) => b.micros - a.micros);
  return { totalMicros: total, byFunction: rank(byFunction), byGroup: rank(byGroup) };
}

export function formatSummary(summary: ProfileSummary, top: number): string {
  const idle = summary.byGroup.find((g) => g.key === '(idle)')?.micros ?? 0;
  const writes = summary.byGroup.find((g) => g.key === WRITE_GROUP)?.micros ?? 0;
  const busy = summary.totalMicros - idle;
  const work = busy - writes;
  const pct = (micros: number, of: number): string => `${((100 * micros) / (of || 1)).toFixed(1)}%`;
  const rows = (list: SelfTime[], skipWrites: boolean): string[] =>
    list
      .filter((e) => e.key !== '(idle)' && !(skipWrites && isWrite(e.key)))
      .slice(0, top)
      .map((e) => `| ${e.key.replace(/\|/g, '\\|')} | ${(e.micros / 1000).toFixed(0)} | ${pct(e.micros, busy)} | ${isWrite(e.key) || e.key === WRITE_GROUP ? '-' : pct(e.micros, work)} |`);
  return [
    `Profiled ${(summary.totalMicros / 1e6).toFixed(1)} s: idle ${(idle / 1e6).toFixed(1)} s, in native socket writes ${(writes / 1e6).toFixed(2)} s, other ${(work / 1e6).toFixed(2)} s.`,
    '',
    '| group | self ms | share of non-idle | share of non-idle, non-write |',
    '|---|--:|--:|--:|',
    ...rows(summary.byGroup, false),
    '',
    '| function (file:line) | self ms | share of non-idle | share of non-idle, non-write |',
    '|---|--:|--:|--:|',
    ...rows(summary.byFunction, true),
  ].join('\n');
}
