/** Thrown when a bounded wait runs out; the message says what was awaited. */
export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
}

/** `promise`, or a WaitTimeout naming `what` after `ms` milliseconds. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Settle to the rejection reason (or fail if `promise` resolves); bounded like within(). */
export async function rejection(promise: Promise<unknown>, ms: number, what: string): Promise<unknown> {
  const outcome = await within(
    promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })),
    ms,
    what,
  );
  if (outcome.ok) throw new Error(`expected ${what} to fail, but it resolved with ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}
