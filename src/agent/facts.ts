import os from 'node:os';

export interface NetworkInterfaceFacts {
  name: string;
  mac: string;
  /** IPv4 and IPv6 addresses, without the prefix length. */
  addresses: string[];
}

/** What the agent tells the router about its device (thoth.device.register kwargs). */
export interface DeviceFacts {
  id: string;
  name: string;
  hostname: string;
  platform: string;
  arch: string;
  release: string;
  cpus: number;
  /** Total memory in bytes. */
  memory: number;
  interfaces: NetworkInterfaceFacts[];
  tags: Record<string, string>;
  agent_version: string;
}

/** The OS calls facts come from; tests replace them. */
export interface FactSource {
  hostname(): string;
  platform(): string;
  arch(): string;
  release(): string;
  cpus(): readonly unknown[];
  totalmem(): number;
  networkInterfaces(): NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

export interface FactOptions {
  id: string;
  /** Default: the hostname. */
  name?: string | undefined;
  tags?: Record<string, string> | undefined;
  agentVersion: string;
  source?: FactSource;
}

/** The device's facts, read from the OS now. Loopback interfaces are left out. */
export function gatherFacts(options: FactOptions): DeviceFacts {
  const source = options.source ?? os;
  const hostname = source.hostname();
  return {
    id: options.id,
    name: options.name ?? hostname,
    hostname,
    platform: source.platform(),
    arch: source.arch(),
    release: source.release(),
    cpus: source.cpus().length,
    memory: source.totalmem(),
    interfaces: interfaceFacts(source.networkInterfaces()),
    tags: { ...options.tags },
    agent_version: options.agentVersion,
  };
}

function interfaceFacts(all: NodeJS.Dict<os.NetworkInterfaceInfo[]>): NetworkInterfaceFacts[] {
  const out: NetworkInterfaceFacts[] = [];
  for (const [name, infos] of Object.entries(all)) {
    const external = (infos ?? []).filter((info) => !info.internal);
    if (external.length === 0) continue;
    const mac = external.find((info) => info.mac !== '00:00:00:00:00:00')?.mac ?? external[0]?.mac ?? '';
    out.push({ name, mac, addresses: external.map((info) => info.address) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
