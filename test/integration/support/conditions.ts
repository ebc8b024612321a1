/** Promises that resolve once a condition holds, re-checked whenever the owner says something changed. */
export class Conditions {
  private readonly waiters = new Set<() => void>();

  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Something changed: re-check every pending condition. */
  changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
