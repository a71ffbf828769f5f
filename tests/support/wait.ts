// Bounded polling for state that changes in the background (a sync started over pg_net, a webhook):
// there is no event to await from outside the stack, so read until the condition holds or time is up.
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000, opts: { intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${opts.what ?? 'condition'} not met within ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
