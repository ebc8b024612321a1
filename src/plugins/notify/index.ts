import { z } from 'zod';
import { definePlugin } from '../../agent/plugin.js';
import { serveUntilAborted, sharedRegistration } from '../common/lifecycle.js';
import { showNotification } from './notifier.js';
import { notifyProcedures } from './procedures.js';

export { notifyProcedures } from './procedures.js';

export const notifyConfig = z.strictObject({
  /** A notify-send compatible command: a name looked up on PATH, or a path. */
  command: z.string().min(1).default('notify-send'),
  /** The command is killed (and the notification logged) past this. */
  timeoutMs: z.int().min(1).default(5000),
});

export default definePlugin({
  name: 'notify',
  description: 'Desktop notifications, through notify-send; logged where none can be shown.',
  modalities: [{ kind: 'notify', name: 'notifications' }],
  config: notifyConfig,
  async main(ctx) {
    const { config, logger } = ctx;
    const registration = await ctx.session.provide(notifyProcedures.show, async (notification, details) => {
      const outcome = await showNotification(notification, { command: config.command, timeoutMs: config.timeoutMs, signal: details.signal });
      if (outcome.shown) return { shown: true, logged: false };
      logger.info({ notification, reason: outcome.reason }, 'notification');
      return { shown: false, logged: true, reason: outcome.reason };
    }, sharedRegistration);
    await serveUntilAborted(ctx, [registration]);
  },
});
