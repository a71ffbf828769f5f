// The accounts overview, kept fresh by polling plaid-accounts (there is no Realtime on the local
// stack, and polling behaves the same hosted): every 2 s while a connection syncs, otherwise every
// refreshIntervalMs, and at once when the tab becomes visible again or after the user acts.
import type { Api } from './api.ts';
import { ApiError } from './api.ts';
import type { Overview } from './types.ts';

const SYNCING_INTERVAL_MS = 2_000;

export type StoreState = { overview: Overview | null; error: ApiError | null; loadedAt: number | null };

export class OverviewStore {
  state: StoreState = { overview: null, error: null, loadedAt: null };
  private listeners = new Set<(s: StoreState) => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private followUp: Promise<void> | null = null;
  private readonly api: Api;
  private readonly idleIntervalMs: number;

  constructor(api: Api, idleIntervalMs: number) {
    this.api = api;
    this.idleIntervalMs = idleIntervalMs;
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void this.refresh();
    });
  }

  subscribe(listener: (s: StoreState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** Loads now and schedules the next poll. A load in flight may have started before the caller's
   *  change: then one more load follows it (shared by every caller meanwhile), so what is awaited
   *  always shows the change. */
  refresh(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.load().finally(() => { this.inFlight = null; this.schedule(); });
      return this.inFlight;
    }
    this.followUp ??= this.inFlight.then(() => { this.followUp = null; return this.refresh(); });
    return this.followUp;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async load(): Promise<void> {
    try {
      const overview = await this.api.overview();
      this.state = { overview, error: null, loadedAt: Date.now() };
    } catch (e) {
      // Keep showing the last data; say what went wrong.
      this.state = { ...this.state, error: e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e)) };
    }
    for (const l of this.listeners) l(this.state);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    // A request for an item that needs the user stays pending until they act: no fast polling for it.
    const syncing = this.state.overview?.items.some((i) => i.sync_running || (i.sync_in_progress && i.action_needed === null)) ?? false;
    this.timer = setTimeout(() => void this.refresh(), syncing ? SYNCING_INTERVAL_MS : this.idleIntervalMs);
  }
}
