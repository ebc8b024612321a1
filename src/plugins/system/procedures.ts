import { z } from 'zod';
import { defineProcedure } from '../../client/index.js';

const noArguments = z.strictObject({});

const memory = z.object({ total: z.number(), free: z.number(), used: z.number() });

const battery = z.object({ name: z.string(), capacity: z.number().nullable(), status: z.string().nullable() });

export const systemProcedures = {
  info: defineProcedure({
    name: 'system.info',
    description: 'Host, OS, CPUs, memory, uptime, load and network interfaces of the device.',
    args: noArguments,
    result: z.object({
      hostname: z.string(),
      platform: z.string(),
      arch: z.string(),
      release: z.string(),
      cpus: z.object({ model: z.string(), count: z.number() }),
      memory,
      uptime: z.number(),
      load: z.array(z.number()),
      interfaces: z.array(z.object({ name: z.string(), mac: z.string(), internal: z.boolean(), addresses: z.array(z.string()) })),
      node: z.string(),
    }),
  }),
  uptime: defineProcedure({
    name: 'system.uptime',
    description: 'Seconds since the OS booted.',
    args: noArguments,
    result: z.object({ uptime: z.number() }),
  }),
  load: defineProcedure({
    name: 'system.load',
    description: 'Load averages over 1, 5 and 15 minutes, and the number of CPUs.',
    args: noArguments,
    result: z.object({ load: z.array(z.number()), cpus: z.number() }),
  }),
  memory: defineProcedure({
    name: 'system.memory',
    description: 'Total, free and used memory in bytes.',
    args: noArguments,
    result: memory,
  }),
  battery: defineProcedure({
    name: 'system.battery',
    description: 'Battery charge and status; { present: false } on a device without one.',
    args: noArguments,
    result: z.discriminatedUnion('present', [
      z.object({ present: z.literal(false) }),
      z.object({ present: z.literal(true), capacity: z.number().nullable(), status: z.string().nullable(), batteries: z.array(battery) }),
    ]),
  }),
} as const;
