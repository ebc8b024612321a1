/** Print a call result: the single value when there is just one, else { args, kwargs }. */
export function printResult(result: { args: unknown[]; kwargs: Record<string, unknown> }): void {
  const { args, kwargs } = result;
  const hasKwargs = Object.keys(kwargs).length > 0;
  const value = !hasKwargs && args.length <= 1 ? args[0] ?? null : { args, kwargs };
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
