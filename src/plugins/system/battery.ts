import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const POWER_SUPPLY_DIR = '/sys/class/power_supply';

export interface BatteryFacts {
  name: string;
  /** Charge in percent, null when the kernel does not say. */
  capacity: number | null;
  /** 'Charging', 'Discharging', 'Full', 'Not charging', 'Unknown', or null. */
  status: string | null;
}

export type BatteryReport =
  | { present: false }
  | { present: true; capacity: number | null; status: string | null; batteries: BatteryFacts[] };

async function readText(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

async function readBattery(dir: string, name: string): Promise<BatteryFacts> {
  const [capacityText, status] = await Promise.all([readText(join(dir, name, 'capacity')), readText(join(dir, name, 'status'))]);
  const capacity = capacityText === null || !/^\d+$/.test(capacityText) ? null : Number(capacityText);
  return { name, capacity, status: status === '' ? null : status };
}

/**
 * The batteries Linux lists as `<dir>/BAT*`. `{ present: false }` when there
 * are none, on other platforms, or when the directory cannot be read: never a
 * failure. With several batteries, `capacity` is their mean and `status` the
 * first one's.
 */
export async function batteryReport(dir: string = POWER_SUPPLY_DIR, platform: string = process.platform): Promise<BatteryReport> {
  if (platform !== 'linux') return { present: false };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.startsWith('BAT')).sort();
  } catch {
    return { present: false };
  }
  if (names.length === 0) return { present: false };
  const batteries = await Promise.all(names.map((name) => readBattery(dir, name)));
  const known = batteries.flatMap((b) => (b.capacity === null ? [] : [b.capacity]));
  const capacity = known.length === 0 ? null : Math.round(known.reduce((sum, c) => sum + c, 0) / known.length);
  return { present: true, capacity, status: batteries[0]?.status ?? null, batteries };
}
