import os from 'node:os';

export interface NetworkInterfaceFacts {
  name: string;
  /** The interface's MAC address ('00:00:00:00:00:00' for loopback). */
  mac: string;
  internal: boolean;
  /** Addresses in CIDR notation, e.g. '192.168.1.20/24', 'fe80::1/64'. */
  addresses: string[];
}

export interface MemoryFacts {
  total: number;
  free: number;
  used: number;
}

export function memory(): MemoryFacts {
  const total = os.totalmem();
  const free = os.freemem();
  return { total, free, used: total - free };
}

/** Load averages over 1, 5 and 15 minutes (zeros where the OS has none, e.g. Windows). */
export function load(): { load: number[]; cpus: number } {
  return { load: os.loadavg(), cpus: cpuCount() };
}

export function uptime(): { uptime: number } {
  return { uptime: os.uptime() };
}

function cpuCount(): number {
  return os.cpus().length || os.availableParallelism();
}

export function networkInterfaces(): NetworkInterfaceFacts[] {
  return Object.entries(os.networkInterfaces()).map(([name, addresses = []]) => ({
    name,
    mac: addresses[0]?.mac ?? '00:00:00:00:00:00',
    internal: addresses.length > 0 && addresses.every((a) => a.internal),
    addresses: addresses.map((a) => a.cidr ?? a.address),
  }));
}

/** Everything system.info answers. */
export function systemInfo() {
  return {
    hostname: os.hostname(),
    platform: os.platform() as string,
    arch: os.arch(),
    release: os.release(),
    cpus: { model: os.cpus()[0]?.model ?? 'unknown', count: cpuCount() },
    memory: memory(),
    uptime: os.uptime(),
    load: os.loadavg(),
    interfaces: networkInterfaces(),
    node: process.versions.node,
  };
}
