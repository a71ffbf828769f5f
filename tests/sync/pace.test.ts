// Pacing against a fake limit: the dispatch slots together never make more Plaid calls in a minute
// than the per-client limit allows, however fast or slow each call is, and a slot's next run starts
// its first call where the previous run's pace left off. A fake clock: no real time passes.
import { describe, expect, it } from 'vitest';
import { type Clock, Pacer } from '../../supabase/functions/_shared/sync/pace.ts';

/** A clock that moves only when someone sleeps or works, and records nothing else. */
function fakeClock(start = 1_000_000) {
  let t = start;
  const clock: Clock = { now: () => t, sleep: async (ms) => { t += ms; } };
  return { clock, advance: (ms: number) => { t += ms; }, get now() { return t; } };
}

/** As private.sync_pace computes it. */
const paceMs = (limitPerMinute: number, slots: number) => Math.ceil((60000 * slots) / (0.98 * limitPerMinute));

describe('pacing Plaid calls to the per-client limit', () => {
  it('one run spaces its calls by the pace and starts after the slot\'s wait', async () => {
    const f = fakeClock();
    const start = f.now;
    const pacer = new Pacer(1000, 300, f.clock);
    const calls: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pacer.beforeCall();
      calls.push(f.now - start);
      f.advance(120); // the call and the page's write
    }
    expect(calls).toEqual([300, 1300, 2300, 3300]);
    expect(pacer.nextCallAt()! - start).toBe(4300);
  });

  it('a call slower than the pace is not made to wait more', async () => {
    const f = fakeClock();
    const pacer = new Pacer(500, 0, f.clock);
    await pacer.beforeCall();
    f.advance(800);
    const before = f.now;
    await pacer.beforeCall();
    expect(f.now).toBe(before);
  });

  it('20 slots, runs of random length one after another in each: no sliding minute has more calls than the fake limit', async () => {
    const limit = 300; // a fake per-client limit, calls a minute
    const slots = 20;
    const pace = paceMs(limit, slots);
    // Each slot: runs of 1–3 calls, each call 20–400 ms; the next run starts where the last one's pace ended.
    const calls: number[] = [];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let s = 0; s < slots; s++) {
      const f = fakeClock(0);
      let nextCallAt: number | null = null;
      while (f.now < 10 * 60_000) {
        const pacer: Pacer = new Pacer(pace, nextCallAt === null ? 0 : nextCallAt - f.now, f.clock);
        for (let c = 1 + Math.floor(random() * 3); c > 0; c--) {
          await pacer.beforeCall();
          calls.push(f.now);
          f.advance(20 + Math.floor(random() * 380));
        }
        nextCallAt = pacer.nextCallAt();
        f.advance(Math.floor(random() * 50)); // hand-on, dispatch, claim
      }
    }
    calls.sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < calls.length; i++) {
      while (calls[i] - calls[j] >= 60_000) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(limit);
    // And the slots are used: at least 90% of the limit, in the long run.
    expect(calls.filter((t) => t < 10 * 60_000).length / 10).toBeGreaterThanOrEqual(0.9 * limit);
  });
});
