/**
 * The mesh's sections of `npm run bench`: device-targeted call overhead (one
 * section per outstanding count) and registry size. Each has a label for
 * --only, matched like the echo cells' ("mesh targeted x64", "mesh registry
 * memory"); "mesh" picks them all and no echo cell.
 */
import type { Timing } from './cell.js';
import { probeErrorLines, probeTable, registrySummaryLines, registryTable, runRegistry, targetingCostTable, type RegistryRun, type RegistryStoreKind } from './mesh-registry.js';
import { benchDevices, routerPeakLine, runTargeted, targetingLine, targetedErrorLines, targetedTable, targetedTargetLines, warmupPerMode, windowLength, type TargetedResult } from './mesh-targeted.js';

export type MeshSection =
  | { kind: 'targeted'; label: string; outstanding: number }
  | { kind: 'registry'; label: string; store: RegistryStoreKind; devices: number; modalitiesPerDevice: number; probe: boolean };

export function meshSections(): MeshSection[] {
  return [
    ...[1, 64].map((outstanding): MeshSection => ({ kind: 'targeted', label: `mesh targeted x${outstanding}`, outstanding })),
    ...(['memory', 'disk'] as const).map((store): MeshSection => ({ kind: 'registry', label: `mesh registry ${store}`, store, devices: 1000, modalitiesPerDevice: 10, probe: store === 'memory' })),
  ];
}

/** The --only rule of the echo cells: every space- or comma-separated word is a word of the label. */
export function sectionMatches(section: MeshSection, filter: string | undefined): boolean {
  if (!filter) return true;
  const words = section.label.split(' ');
  return filter.split(/[\s,]+/).filter((w) => w.length > 0).every((w) => words.includes(w));
}

/** Runs the sections in order and returns their markdown. */
export async function runMeshSections(sections: readonly MeshSection[], timing: Timing, progress: (text: string) => void): Promise<string> {
  const targeted: TargetedResult[] = [];
  const registry: RegistryRun[] = [];
  for (const section of sections) {
    progress(`${section.label} ...`);
    if (section.kind === 'targeted') targeted.push(await runTargeted(section.outstanding, timing));
    else registry.push(await runRegistry(section.store, section.devices, section.modalitiesPerDevice, section.probe, timing));
  }
  const out: string[] = [];
  if (targeted.length > 0) {
    out.push(
      '### Device-targeted calls',
      '',
      `RawSocket + MessagePack, small payload; router with the mesh (in-memory registry); ${benchDevices.length} simulated devices in one callee process, one session each, all providing \`bench.echo\` (round robin); the first device's session also provides \`bench.echo.solo\`. Rows: "plain, 1 callee" calls \`bench.echo.solo\`; "device 'bench', 1 of 3" calls \`bench.echo\` naming the first device by name (CALL option \`_device\`), so the same callee answers; "plain, round robin over 3" calls \`bench.echo\` with no options. After ${warmupPerMode(timing)} ms of warm-up per kind, windows of ${windowLength(timing)} ms in the order plain, device, round robin, round robin, device, plain, twice; each row sums its four windows.`,
      '',
      targetedTable(targeted),
      '',
      targetedTargetLines(targeted),
      '',
      targetingLine(targeted),
      '',
      routerPeakLine(targeted),
    );
  }
  if (registry.length > 0) {
    if (out.length > 0) out.push('');
    out.push(
      '### Registry size',
      '',
      'One loader process opens one RawSocket + MessagePack session per simulated device (32 connecting at once), then registers all the devices at once (`thoth.device.register` with agent-like details), then adds all their modalities at once (`thoth.modality.add`, all 10 of a device in flight together), then has every device register `bench.echo` (round robin). The router reports its CPU time and memory (`process.memoryUsage()` after two forced GCs, node --expose-gc) between phases. Registry store: `memory` is SQLite `:memory:`, `disk` is `registry.db` (WAL) in a fresh folder under the OS temp dir.',
      '',
      registryTable(registry),
      '',
      registrySummaryLines(registry),
    );
    for (const run of registry.filter((r) => r.result.probe.length > 0)) out.push('', probeTable(run), '', targetingCostTable(run));
  }
  const errors = [...targetedErrorLines(targeted), ...probeErrorLines(registry)];
  if (errors.length > 0) out.push('', 'Failed calls (these rows are suspect):', ...errors);
  return out.join('\n');
}
