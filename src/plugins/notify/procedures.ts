import { z } from 'zod';
import { defineProcedure } from '../../client/index.js';

export const urgency = z.enum(['low', 'normal', 'critical']);

export const notifyProcedures = {
  show: defineProcedure({
    name: 'notify.show',
    description: 'Show a desktop notification (notify-send); logged instead where none can be shown.',
    args: z.strictObject({
      title: z.string().min(1).max(1000),
      body: z.string().max(10_000).optional(),
      urgency: urgency.default('normal'),
    }),
    result: z.object({
      shown: z.boolean(),
      logged: z.boolean(),
      /** Why it was not shown. */
      reason: z.string().optional(),
    }),
  }),
} as const;
