import { z } from 'zod';
import { definePlugin } from '../../agent/plugin.js';
import { serveUntilAborted, sharedRegistration } from '../common/lifecycle.js';
import { batteryReport } from './battery.js';
import { load, memory, systemInfo, uptime } from './facts.js';
import { systemProcedures } from './procedures.js';

export { systemProcedures } from './procedures.js';

export default definePlugin({
  name: 'system',
  description: 'Facts about the device: host, OS, CPUs, memory, load, network, battery.',
  modalities: [{ kind: 'system', name: 'system' }],
  config: z.strictObject({}),
  async main(ctx) {
    const { session } = ctx;
    const registrations = await Promise.all([
      session.provide(systemProcedures.info, () => systemInfo(), sharedRegistration),
      session.provide(systemProcedures.uptime, () => uptime(), sharedRegistration),
      session.provide(systemProcedures.load, () => load(), sharedRegistration),
      session.provide(systemProcedures.memory, () => memory(), sharedRegistration),
      session.provide(systemProcedures.battery, () => batteryReport(), sharedRegistration),
    ]);
    await serveUntilAborted(ctx, registrations);
  },
});
