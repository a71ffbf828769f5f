// plaid-sync's two callers on the real functions host: a user's "Sync now" may only touch their own
// item, and the scheduler's (secret key) body is validated field by field. Refused requests record
// nothing: no sync request, no dispatched call, no run.
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { sql, waitForIdle } from '../support/sync.ts';

/** Everything a sync request or run writes for the item: its sync state rows and its runs. */
async function syncFootprint(itemId: string) {
  const states = await sql`select * from public.plaid_sync_state where item_id = ${itemId} order by product`;
  const [{ runs }] = await sql`select count(*)::int as runs from public.sync_runs where item_id = ${itemId}`;
  return { states: states.map((r) => ({ ...r })), runs: runs as number };
}

/** An item of a new user whose initial sync has finished, so nothing changes it unless asked. */
async function idleItem() {
  const owner = await newSession();
  const item = await connectItem(owner);
  for (const { product } of await sql`select product from public.plaid_sync_state where item_id = ${item.id}`) await waitForIdle(item.id, product);
  return { owner, item };
}

describe('plaid-sync (user)', () => {
  it('404 for another user\'s item, and nothing is requested; the owner\'s own request is recorded', async () => {
    const { owner, item } = await idleItem();
    const other = await newSession();
    const before = await syncFootprint(item.id);
    const res = await callFunction('plaid-sync', { item_id: item.id }, { session: other });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(item.id) });
    // Exactly what a missing id answers: another user's ids reveal nothing.
    const missing = await callFunction('plaid-sync', { item_id: crypto.randomUUID() }, { session: other });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe(res.body.error.code);
    expect(await syncFootprint(item.id)).toEqual(before);

    // The same call by the owner is a request: the footprint shows it (so the check above can fail).
    const mine = await callFunction('plaid-sync', { item_id: item.id }, { session: owner });
    expect(mine.status).toBe(202);
    expect(mine.body).toEqual({ requested: true, products: before.states.map((s) => s.product) });
    expect(await syncFootprint(item.id)).not.toEqual(before);
  });
});

describe('plaid-sync (scheduler, secret key)', () => {
  const bad: Array<[string, (itemId: string) => Record<string, unknown>, string]> = [
    ['an unknown product', (id) => ({ item_id: id, product: 'identity' }), 'product'],
    ['an unknown trigger', (id) => ({ item_id: id, trigger: 'whenever' }), 'trigger'],
    ['wait not a boolean', (id) => ({ item_id: id, wait: 'true' }), 'wait'],
    ['an extra field', (id) => ({ item_id: id, force: true }), 'force'],
    ['an item_id that is not a uuid', () => ({ item_id: 'item-1' }), 'item_id'],
  ];

  it.each(bad)('%s: 400 naming the field, nothing written', async (_label, body, field) => {
    const { item } = await idleItem();
    const before = await syncFootprint(item.id);
    const res = await callFunction('plaid-sync', body(item.id), { secretKey: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    expect(res.body.error.message).toMatch(new RegExp(`\\b${field}\\b`));
    expect(await syncFootprint(item.id)).toEqual(before);
  });

  it('the valid body runs a sync (a run is recorded), so the footprint above would show a write', async () => {
    const { item } = await idleItem();
    const before = await syncFootprint(item.id);
    const res = await callFunction('plaid-sync', { item_id: item.id, product: 'transactions', trigger: 'manual', wait: true }, { secretKey: true });
    expect(res.status).toBe(200);
    expect(res.body.runs[0].outcome).toBe('succeeded');
    expect((await syncFootprint(item.id)).runs).toBe(before.runs + 1);
  });
});
