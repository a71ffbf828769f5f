// Paces a dispatched run's Plaid calls to the project's per-client limit
// (private.sync_settings.plaid_calls_per_minute): each of the max_in_flight dispatch slots makes at
// most one call per `intervalMs` (max_in_flight / the limit), so all slots together stay under it.
// The slot remembers when its next call may start across runs (claim_sync's wait_ms, finish_sync's
// next_call_at), so the wait overlaps the hand-on and dispatch of the next run instead of adding to it.
export type Clock = { now: () => number; sleep: (ms: number) => Promise<void> };
export const wallClock: Clock = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export class Pacer {
  /** Wall-clock time (epoch ms) the next call may start at. */
  private next: number;
  private readonly intervalMs: number;
  private readonly clock: Clock;

  /** intervalMs 0: no pacing (pacing off, or a direct call that holds no slot). */
  constructor(intervalMs: number, waitMs: number, clock: Clock = wallClock) {
    this.intervalMs = intervalMs;
    this.clock = clock;
    this.next = clock.now() + Math.max(0, waitMs);
  }

  /** Waits until the next call may start, and books the one after it. */
  async beforeCall(): Promise<void> {
    if (this.intervalMs <= 0) return;
    const wait = this.next - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait);
    this.next = Math.max(this.next, this.clock.now()) + this.intervalMs;
  }

  /** When the slot's next call may start (epoch ms), for finish_sync; null without pacing. */
  nextCallAt(): number | null {
    return this.intervalMs > 0 ? this.next : null;
  }
}
