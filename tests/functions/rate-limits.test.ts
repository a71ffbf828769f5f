// Nobody can make the server spend Plaid quota in bulk: user-triggered Plaid calls take a request
// from the user's bucket (and the item's) in Postgres before Plaid is asked, so a burst of N costs at
// most the bucket's size in Plaid calls, and the rest answer 429 RATE_LIMITED with Retry-After. Bulk
// work of ours (delete-all, the CSV export) is limited the same way. (tests/webhooks/verification.test.ts
// does the same for webhook key lookups.)
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { rateLimits } from '../../supabase/functions/_shared/rate-limits.ts';
import { callFunction, connectItem, type FnResult } from '../support/functions.ts';
import { expectPlaidCalls, logMark, plaidCallsSince } from '../support/plaid-calls.ts';
import { newSession, testStack } from '../support/stack.ts';
import { waitForIdle } from '../support/sync.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });

/** n calls, `concurrency` at a time. */
async function burst(n: number, call: () => Promise<FnResult>, concurrency = 50): Promise<FnResult[]> {
  const out: FnResult[] = [];
  for (let i = 0; i < n; i += concurrency) out.push(...await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, call)));
  return out;
}

const statuses = (rs: FnResult[]) => Object.fromEntries(Object.entries(Object.groupBy(rs, (r) => String(r.status))).map(([k, v]) => [k, v!.length]));

function expect429(r: FnResult, what: RegExp) {
  expect(r.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(what), details: { retry_after_seconds: expect.any(Number) } });
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBe(r.body.error.details.retry_after_seconds);
  expect(Date.parse(r.body.error.details.next_allowed_at)).toBeGreaterThan(Date.now());
}

describe('rate limits on user-triggered Plaid calls and bulk work', () => {
  it('200 plaid-link-token calls from one user cost 10 Plaid calls; the rest are 429 with Retry-After', async () => {
    const s = await newSession('burst-link');
    const mark = logMark();
    const rs = await burst(200, () => callFunction('plaid-link-token', {}, { session: s }));
    const { limit } = rateLimits.link_token.user;
    expect(statuses(rs)).toEqual({ 200: limit, 429: 200 - limit });
    expect429(rs.find((r) => r.status === 429)!, /Opening Plaid Link: too many requests; try again in \d+ s/);
    const calls = await expectPlaidCalls(mark, (c) => c.user === s.user_id && c.endpoint === '/link/token/create', limit);
    expect(calls).toHaveLength(limit);
    // Another user is not affected.
    expect((await callFunction('plaid-link-token', {}, { session: await newSession('burst-link-other') })).status).toBe(200);
  });

  it('"Sync now" is limited per item and per user; a burst requests at most the item\'s bucket of syncs', async () => {
    const s = await newSession('burst-sync');
    const item = await connectItem(s);
    await waitForIdle(item.id);
    const rs = await burst(60, () => callFunction('plaid-sync', { item_id: item.id }, { session: s }));
    const perItem = rateLimits.sync_now.item!.limit;
    expect(statuses(rs)).toEqual({ 202: perItem, 429: 60 - perItem });
    expect429(rs.find((r) => r.status === 429)!, /^Sync now: too many requests/);
    // The user's own bucket: a second item takes what is left of it, not a fresh per-item bucket's worth.
    const second = await connectItem(s, { institutionId: 'ins_109509' });
    await waitForIdle(second.id);
    const more = await burst(perItem, () => callFunction('plaid-sync', { item_id: second.id }, { session: s }), perItem);
    const left = rateLimits.sync_now.user.limit - perItem;
    expect(statuses(more)).toEqual(left >= perItem ? { 202: perItem } : { 202: left, 429: perItem - left });
    await waitForIdle(item.id);
    await waitForIdle(second.id);
  });

  it('plaid-exchange-token: the user\'s bucket is taken before the public token goes to Plaid', async () => {
    const s = await newSession('burst-exchange');
    const mark = logMark();
    const n = rateLimits.exchange.user.limit + 5;
    const rs = await burst(n, () => callFunction('plaid-exchange-token', { public_token: `public-sandbox-${crypto.randomUUID()}` }, { session: s }));
    expect(rs.filter((r) => r.status === 429)).toHaveLength(5);
    const calls = await expectPlaidCalls(mark, (c) => c.user === s.user_id && c.endpoint === '/item/public_token/exchange', n - 5);
    expect(calls).toHaveLength(n - 5);
  });

  it('plaid-item-repaired is limited per item', async () => {
    const s = await newSession('burst-repair');
    const item = await connectItem(s);
    const mark = logMark();
    const n = rateLimits.item_repaired.item!.limit + 3;
    const rs = await burst(n, () => callFunction('plaid-item-repaired', { item_id: item.id }, { session: s }));
    expect(statuses(rs)).toEqual({ 200: n - 3, 429: 3 });
    expect((await expectPlaidCalls(mark, (c) => c.user === s.user_id && c.endpoint === '/item/get', n - 3))).toHaveLength(n - 3);
    await waitForIdle(item.id);
  });

  it('10 concurrent plaid-item-remove of one item: one 200, nine 404 (removed meanwhile), at most 10 Plaid calls', async () => {
    const s = await newSession('remove-race');
    const item = await connectItem(s);
    await waitForIdle(item.id);
    const mark = logMark();
    const rs = await Promise.all(Array.from({ length: 10 }, () => callFunction('plaid-item-remove', { item_id: item.id, keep_history: false }, { session: s })));
    expect(statuses(rs)).toEqual({ 200: 1, 404: 9 });
    for (const r of rs.filter((x) => x.status === 404)) expect(r.body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no connection/) });
    expect(plaidCallsSince(mark, (c) => c.user === s.user_id && c.endpoint === '/item/remove').length).toBeLessThanOrEqual(rateLimits.item_remove.item!.limit);
    expect((await sql`select count(*)::int as n from public.plaid_items where id = ${item.id}`)[0].n).toBe(0);
  });

  it.each([
    { fn: 'plaid-data-delete', action: 'data_delete', body: { confirm: 'delete all my bank data' }, words: /^Deleting all bank data: too many requests/ },
    { fn: 'transactions-export', action: 'export', body: {}, words: /^Exporting transactions: too many requests/ },
  ] as const)('$fn (bulk work, no Plaid quota) is limited per user', async ({ fn, action, body, words }) => {
    const s = await newSession(`burst-${action}`);
    const { limit } = rateLimits[action].user;
    const rs = await burst(limit + 2, () => callFunction(fn, body, { session: s }), 1);
    expect(statuses(rs)).toEqual({ 200: limit, 429: 2 });
    expect429(rs.at(-1)!, words);
  });

  it('a refused call changes nothing in the buckets of other actions, users or items', async () => {
    const [{ n }] = await sql`select count(*)::int as n from private.rate_limits where key like 'link_token:user:%'`;
    expect(n).toBeGreaterThan(0);
    const s = await newSession('buckets');
    await callFunction('plaid-link-token', {}, { session: s });
    const keys = await sql`select key from private.rate_limits where key like ${`%${s.user_id}%`} order by key`;
    expect(keys.map((k) => k.key)).toEqual([`link_token:user:${s.user_id}`]);
  });
});
