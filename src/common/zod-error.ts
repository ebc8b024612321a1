import type { z } from 'zod';

/** One line naming each bad key: `limits.maxCallsInFlight: Too small: expected number to be >0`. */
export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
