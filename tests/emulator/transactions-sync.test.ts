// /transactions/sync semantics: paging, net changes per transaction since a cursor, pending -> posted,
// TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, cursor validation, readiness, and a property test that a
// client applying pages always ends with the emulator's true transaction set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exchangeProblems, startTestEmulator, syncAll, webhookReceiver, webhookProblems, code, type TestEmulator } from './support.ts';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({
    historySize: 300,
    instantTransactions: 'this file tests /transactions/sync paging and change semantics; readiness has its own emulator below',
    noItemRateLimits: 'the property test pages with counts down to 1 to hit many page boundaries; pacing is not what it tests',
    // Hundreds of short sync loops a minute from one client: raised as a load test would raise them.
    clientRateLimits: { '/transactions/sync': 100_000 },
  });
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await emu.close();
});

type Tx = Record<string, any>;

/** What a well-behaved client keeps: transaction_id -> transaction. */
function apply(store: Map<string, Tx>, pages: Record<string, any>[]): void {
  for (const p of pages) {
    for (const t of [...p.added, ...p.modified]) store.set(t.transaction_id, t);
    for (const r of p.removed) store.delete(r.transaction_id);
  }
}

async function truth(itemId: string): Promise<Map<string, Tx>> {
  const { transactions } = await emu.control('GET', `/__emulator/items/${itemId}/transactions`);
  return new Map(transactions.map((t: Tx) => [t.transaction_id, { ...t, original_description: null }]));
}

describe('paging', () => {
  it('returns the whole history once, in pages of count, with the accounts of each page', async () => {
    const { access_token, item_id } = await emu.newItem();
    const { pages, cursor } = await syncAll(emu, access_token, '', 120);
    expect(pages.map((p) => p.added.length)).toEqual([120, 120, 60]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, false]);
    expect(pages.every((p) => p.transactions_update_status === 'HISTORICAL_UPDATE_COMPLETE')).toBe(true);
    for (const p of pages) {
      const ids = new Set([...p.added.map((t: Tx) => t.account_id)]);
      expect(new Set(p.accounts.map((a: Tx) => a.account_id))).toEqual(ids);
      expect(p.accounts.every((a: Tx) => a.balances && 'current' in a.balances)).toBe(true);
    }
    const store = new Map<string, Tx>();
    apply(store, pages);
    expect(store.size).toBe(300);
    expect(store).toEqual(await truth(item_id));
    expect(cursor.length).toBeLessThanOrEqual(256);
    // Nothing new since the final cursor.
    const again = await emu.plaid('/transactions/sync', { access_token, cursor });
    expect(again.body).toMatchObject({ added: [], modified: [], removed: [], has_more: false, next_cursor: cursor });
    // Default count is 100.
    const first = await emu.plaid('/transactions/sync', { access_token });
    expect(first.body.added).toHaveLength(100);
  });

  it('"now" gives a cursor at the present with no data; garbage and foreign cursors are INVALID_FIELD', async () => {
    const a = await emu.newItem();
    const b = await emu.newItem();
    const now = await emu.plaid('/transactions/sync', { access_token: a.access_token, cursor: 'now' });
    expect(now.body).toMatchObject({ added: [], has_more: false });
    const later = await emu.plaid('/transactions/sync', { access_token: a.access_token, cursor: now.body.next_cursor });
    expect(later.body.added).toEqual([]);
    for (const cursor of ['garbage', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', now.body.next_cursor.slice(0, -2) + 'AA']) {
      const r = await emu.plaid('/transactions/sync', { access_token: a.access_token, cursor });
      expect(r.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    }
    const foreign = await emu.plaid('/transactions/sync', { access_token: b.access_token, cursor: now.body.next_cursor });
    expect(foreign.body.error_code).toBe('INVALID_FIELD');
  });

  it('filters by options.account_id and rejects unknown accounts', async () => {
    const { access_token } = await emu.newItem();
    const accounts = (await emu.plaid('/accounts/get', { access_token })).body.accounts;
    const checking = accounts.find((a: Tx) => a.subtype === 'checking').account_id;
    const { pages } = await syncAll(emu, access_token, '', 500);
    const all = pages.flatMap((p) => p.added);
    const r = await emu.plaid('/transactions/sync', { access_token, count: 500, options: { account_id: checking } });
    expect(r.body.added.length).toBe(all.filter((t: Tx) => t.account_id === checking).length);
    expect(r.body.accounts.map((a: Tx) => a.account_id)).toEqual([checking]);
    const bad = await emu.plaid('/transactions/sync', { access_token, options: { account_id: 'nope' } });
    expect(bad.body.error_code).toBe('INVALID_ACCOUNT_ID');
  });

  it('includes original_description only when asked and labels the PFC version asked for', async () => {
    const { access_token } = await emu.newItem();
    const plain = await emu.plaid('/transactions/sync', { access_token, count: 5 });
    expect(plain.body.added.every((t: Tx) => t.original_description === null)).toBe(true);
    const rich = await emu.plaid('/transactions/sync', { access_token, count: 5, options: { include_original_description: true, personal_finance_category_version: 'v2' } });
    expect(rich.body.added.every((t: Tx) => typeof t.original_description === 'string' && t.personal_finance_category.version === 'v2')).toBe(true);
  });
});

describe('net changes since a cursor', () => {
  it('compacts per transaction: modified once with the latest state, added-then-modified as added, added-then-removed as removed', async () => {
    const { access_token, item_id } = await emu.newItem();
    const { pages, cursor } = await syncAll(emu, access_token);
    const store = new Map<string, Tx>();
    apply(store, pages);
    const [first, second, third] = [...store.keys()];
    await emu.control('PATCH', `/__emulator/items/${item_id}/transactions/${first}`, { amount: 1.11 });
    await emu.control('PATCH', `/__emulator/items/${item_id}/transactions/${first}`, { amount: 2.22, name: 'Renamed' });
    await emu.control('DELETE', `/__emulator/items/${item_id}/transactions/${second}`);
    const made = await emu.control('POST', `/__emulator/items/${item_id}/transactions`, { transactions: [{ amount: 5, name: 'Fresh' }, { amount: 6, name: 'Fleeting' }] });
    const [fresh, fleeting] = made.transactions.map((t: Tx) => t.transaction_id);
    await emu.control('PATCH', `/__emulator/items/${item_id}/transactions/${fresh}`, { amount: 5.5 });
    await emu.control('DELETE', `/__emulator/items/${item_id}/transactions/${fleeting}`);
    await emu.control('PATCH', `/__emulator/items/${item_id}/transactions/${third}`, { merchant_name: 'X' });

    const delta = await syncAll(emu, access_token, cursor, 2);
    const added = delta.pages.flatMap((p) => p.added);
    const modified = delta.pages.flatMap((p) => p.modified);
    const removed = delta.pages.flatMap((p) => p.removed.map((r: Tx) => r.transaction_id));
    expect(modified.map((t: Tx) => t.transaction_id)).toEqual([first, third]);
    expect(modified[0]).toMatchObject({ amount: 2.22, name: 'Renamed' });
    expect(added.map((t: Tx) => [t.transaction_id, t.amount])).toEqual([[fresh, 5.5]]);
    expect(removed.sort()).toEqual([second, fleeting].sort());
    apply(store, delta.pages);
    expect(store).toEqual(await truth(item_id));
  });

  it('moves pending to posted as Plaid does: pending id removed, posted added with pending_transaction_id', async () => {
    const { access_token, item_id } = await emu.newItem({ options: { override_username: 'user_transactions_dynamic', override_password: 'x' } });
    const { pages, cursor } = await syncAll(emu, access_token);
    const pending = pages.flatMap((p) => p.added).filter((t: Tx) => t.pending);
    expect(pending.length).toBeGreaterThan(0);
    const target = pending[0];
    const posted = (await emu.control('POST', `/__emulator/items/${item_id}/transactions/${target.transaction_id}/post`, { amount: target.amount + 0.5 })).transaction;
    const delta = await syncAll(emu, access_token, cursor);
    expect(delta.pages.flatMap((p) => p.removed)).toEqual([{ account_id: target.account_id, transaction_id: target.transaction_id }]);
    const added = delta.pages.flatMap((p) => p.added);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ transaction_id: posted.transaction_id, pending: false, pending_transaction_id: target.transaction_id, account_id: target.account_id });
    expect(added[0].transaction_id).not.toBe(target.transaction_id);

    // /transactions/refresh for the dynamic user posts every pending one and adds new pending ones.
    const before = delta.cursor;
    expect((await emu.plaid('/transactions/refresh', { access_token })).status).toBe(200);
    const after = await syncAll(emu, access_token, before);
    const removedIds = after.pages.flatMap((p) => p.removed.map((r: Tx) => r.transaction_id));
    const postedNow = after.pages.flatMap((p) => p.added).filter((t: Tx) => !t.pending);
    expect(removedIds.length).toBe(pending.length - 1);
    expect(postedNow.map((t: Tx) => t.pending_transaction_id).sort()).toEqual(removedIds.sort());
    expect(after.pages.flatMap((p) => p.added).some((t: Tx) => t.pending)).toBe(true);
    expect(after.pages.flatMap((p) => p.modified)).toHaveLength(1);
  });
});

describe('mutation during pagination', () => {
  it('answers TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION for a mid-loop cursor after a change; restarting the loop works', async () => {
    const { access_token, item_id } = await emu.newItem();
    const start = (await syncAll(emu, access_token)).cursor;
    for (let i = 0; i < 5; i++) await emu.control('POST', `/__emulator/items/${item_id}/transactions`, { amount: 10 + i });
    const page1 = await emu.plaid('/transactions/sync', { access_token, cursor: start, count: 2 });
    expect(page1.body.has_more).toBe(true);
    await emu.control('POST', `/__emulator/items/${item_id}/transactions`, { amount: 99 });
    const page2 = await emu.plaid('/transactions/sync', { access_token, cursor: page1.body.next_cursor, count: 2 });
    expect(page2.status).toBe(400);
    expect(page2.body).toMatchObject({
      error_type: 'TRANSACTIONS_ERROR',
      error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION',
      error_message: 'Underlying transaction data changed since last page was fetched. Please restart pagination from last update.',
    });
    // Retrying the same mid-loop cursor keeps failing (Plaid: restart from the loop's first cursor).
    expect((await emu.plaid('/transactions/sync', { access_token, cursor: page1.body.next_cursor, count: 2 })).status).toBe(400);
    const restart = await syncAll(emu, access_token, start, 2);
    expect(restart.pages.flatMap((p) => p.added).map((t: Tx) => t.amount)).toEqual([10, 11, 12, 13, 14, 99]);
  });
});

describe('readiness', () => {
  it('starts NOT_READY with an empty cursor, then fires SYNC_UPDATES_AVAILABLE for the initial and historical pulls', async () => {
    const slow = await startTestEmulator({ historySize: 400, transactionsReadyDelayMs: 60_000 });
    const hook = await webhookReceiver();
    try {
      const { access_token, item_id } = await slow.newItem({ options: { webhook: hook.url } });
      const r0 = await slow.plaid('/transactions/sync', { access_token });
      expect(r0.body).toMatchObject({ transactions_update_status: 'NOT_READY', next_cursor: '', added: [], has_more: false });
      await slow.control('POST', `/__emulator/items/${item_id}/transactions-status/advance`);
      const w1 = await hook.next(code('SYNC_UPDATES_AVAILABLE'));
      expect(w1.body).toMatchObject({ initial_update_complete: true, historical_update_complete: false, item_id, environment: 'sandbox' });
      const initial = await syncAll(slow, access_token, '');
      expect(initial.pages[0].transactions_update_status).toBe('INITIAL_UPDATE_COMPLETE');
      const recent = initial.pages.flatMap((p) => p.added);
      expect(recent.length).toBeGreaterThan(0);
      expect(recent.length).toBeLessThan(400);
      await slow.control('POST', `/__emulator/items/${item_id}/transactions-status/advance`);
      await hook.next((r) => r.body.webhook_code === 'SYNC_UPDATES_AVAILABLE' && r.body.historical_update_complete === true);
      const rest = await syncAll(slow, access_token, initial.cursor);
      expect(rest.pages[0].transactions_update_status).toBe('HISTORICAL_UPDATE_COMPLETE');
      expect(recent.length + rest.pages.flatMap((p) => p.added).length).toBe(400);
      expect(hook.received.flatMap((r) => webhookProblems(r.body))).toEqual([]);
      expect(slow.exchanges.flatMap(exchangeProblems)).toEqual([]);
    } finally {
      await slow.close();
      await hook.close();
    }
  });
});

describe('readiness of an Item that did not start with Transactions', () => {
  it('the first sync adds Transactions (NOT_READY), and SYNC_UPDATES_AVAILABLE fires twice: 30 days, then the history', async () => {
    const slow = await startTestEmulator({ historySize: 200, transactionsReadyDelayMs: 30, exactWebhookDelivery: 'this test checks which SYNC_UPDATES_AVAILABLE webhooks fire and in what order' });
    const hook = await webhookReceiver();
    try {
      const { access_token, item_id } = await slow.newItem({ products: ['liabilities'], options: { webhook: hook.url } });
      const first = await slow.plaid('/transactions/sync', { access_token, options: { days_requested: 120 } });
      expect(first.body).toMatchObject({ transactions_update_status: 'NOT_READY', added: [], next_cursor: '' });
      await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'SYNC_UPDATES_AVAILABLE' && r.body.historical_update_complete === true);
      const fired = hook.received.filter((r) => r.body.item_id === item_id && r.body.webhook_code === 'SYNC_UPDATES_AVAILABLE');
      expect(fired.map((r) => `${r.body.initial_update_complete}/${r.body.historical_update_complete}`)).toEqual(['true/false', 'true/true']);
      expect((await slow.plaid('/item/get', { access_token })).body.item.billed_products).toEqual(['liabilities', 'transactions']);
      const all = await syncAll(slow, access_token);
      expect(all.pages.flatMap((p) => p.added)).toHaveLength(200);
      expect(slow.exchanges.flatMap(exchangeProblems)).toEqual([]);
    } finally {
      await slow.close();
      await hook.close();
    }
  });
});

describe('property: a client applying every page matches the true set', () => {
  type Op = { kind: 'add' | 'modify' | 'remove' | 'post' | 'sync'; n: number; count: number };
  const op = fc.record({
    kind: fc.constantFrom('add', 'modify', 'remove', 'post', 'sync'),
    n: fc.nat(1000),
    count: fc.integer({ min: 1, max: 40 }),
  }) as fc.Arbitrary<Op>;

  it('holds for random interleavings of changes, partial pagination and restarts', async () => {
    let restarts = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const { access_token, item_id } = await emu.newItem({ options: { override_username: 'user_transactions_dynamic', override_password: 'x' } });
        const store = new Map<string, Tx>();
        let committed = '';
        // A client that persists only after has_more=false and restarts the loop on the mutation error.
        const fullSync = async (count: number, interrupt?: () => Promise<void>) => {
          let staged = new Map(store);
          let cursor = committed;
          let pagesSeen = 0;
          for (;;) {
            const r = await emu.plaid('/transactions/sync', { access_token, cursor, count });
            if (r.status === 400 && r.body.error_code === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION') {
              restarts++;
              staged = new Map(store);
              cursor = committed;
              continue;
            }
            expect(r.status).toBe(200);
            apply(staged, [r.body]);
            cursor = r.body.next_cursor;
            if (!r.body.has_more) break;
            if (++pagesSeen === 1 && interrupt) await interrupt();
          }
          store.clear();
          for (const [k, v] of staged) store.set(k, v);
          committed = cursor;
        };
        const ids = async () => [...(await truth(item_id)).values()];
        const mutate = async (o: Op) => {
          const list = await ids();
          const pick = list[o.n % Math.max(list.length, 1)];
          if (o.kind === 'add') await emu.control('POST', `/__emulator/items/${item_id}/transactions`, { amount: o.count, pending: o.n % 2 === 0 });
          else if (o.kind === 'modify' && pick) await emu.control('PATCH', `/__emulator/items/${item_id}/transactions/${pick.transaction_id}`, { amount: o.n / 100 });
          else if (o.kind === 'remove' && pick) await emu.control('DELETE', `/__emulator/items/${item_id}/transactions/${pick.transaction_id}`);
          else if (o.kind === 'post') {
            const p = list.find((t) => t.pending);
            if (p) await emu.control('POST', `/__emulator/items/${item_id}/transactions/${p.transaction_id}/post`, {});
          }
        };
        for (let i = 0; i < ops.length; i++) {
          const o = ops[i];
          if (o.kind === 'sync') {
            const next = ops[i + 1];
            // Sometimes a change lands mid-loop.
            await fullSync(o.count, next && next.kind !== 'sync' ? async () => { await mutate(next); i++; } : undefined);
          } else await mutate(o);
        }
        await fullSync(500);
        expect(store).toEqual(await truth(item_id));
      }),
      { numRuns: 25, seed: 42 },
    );
    expect(restarts).toBeGreaterThan(0); // the mid-loop change path was exercised
  });
});
