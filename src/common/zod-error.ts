import type { z } from 'zod';

/**
 * One line naming each bad key: `limits.maxCallsInFlight: Too small: expected number to be >0`.
 * `root` names what an issue without a path is about (e.g. 'kwargs').
 */
export function formatZodError(error: z.ZodError, root?: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || root;
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
