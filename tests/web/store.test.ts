// The accounts overview store (web/src/store.ts): what a caller awaits after a change shows the change,
// even when a poll's load was already on its way (it may have read the database before the change).
import { afterEach, describe, expect, it } from 'vitest';
import type { Api } from '../../web/src/api.ts';
import { OverviewStore } from '../../web/src/store.ts';
import type { Overview } from '../../web/src/types.ts';

(globalThis as { document?: unknown }).document ??= { addEventListener() {}, visibilityState: 'visible' };

/** An API whose overview answers are released by the test, each with the database's state at its start. */
function heldApi(db: { version: number }) {
  const pending: Array<() => void> = [];
  let calls = 0;
  const api = {
    overview: () => {
      calls++;
      const seen = db.version; // what this load reads: the state when it started
      return new Promise<Overview>((resolve) => pending.push(() => resolve({ items: [], accounts: [], version: seen } as unknown as Overview)));
    },
  } as unknown as Api;
  const releaseNext = async () => { await Promise.resolve(); pending.shift()!(); await new Promise((r) => setTimeout(r, 0)); };
  return { api, releaseNext, calls: () => calls, waiting: () => pending.length };
}

let store: OverviewStore | null = null;
afterEach(() => store?.stop());

describe('OverviewStore.refresh', () => {
  it('after a change, waits for a load that started after it, not for the poll already on its way', async () => {
    const db = { version: 1 };
    const h = heldApi(db);
    store = new OverviewStore(h.api, 60_000);
    const poll = store.refresh(); // a poll reads version 1
    db.version = 2; // the user's change lands
    const mine = store.refresh();
    const also = store.refresh(); // a second caller meanwhile shares the same follow-up
    await h.releaseNext();
    await poll;
    expect(h.waiting()).toBe(1);
    await h.releaseNext();
    await Promise.all([mine, also]);
    expect((store.state.overview as unknown as { version: number }).version).toBe(2);
    expect(h.calls()).toBe(2);
  });
});
