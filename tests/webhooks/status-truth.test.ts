// An item's status follows Plaid's truth whatever order or how often ITEM webhooks arrive: ERROR and
// LOGIN_REPAIRED are hints, each confirmed with /item/get (coalesced, at most one call per item every
// 5 s). Plaid's bodies are byte-identical for a second ITEM_LOGIN_REQUIRED after a repair, and a late
// redelivery of an old one looks like news: neither may decide the status by itself.
import { describe, expect, it } from 'vitest';
import { connectItem, emulator } from '../support/functions.ts';
import { readFileSync } from 'node:fs';
import { newSession, testStack } from '../support/stack.ts';
import { plaidItemId, sql, waitForImport } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';
import { deliver, plaidBody, signature } from '../support/webhooks.ts';

const statusOf = async (itemId: string) => (await sql`select status from public.plaid_items where id = ${itemId}`)[0]?.status as string;
const waitStatus = (itemId: string, want: string, what: string) =>
  eventually(() => statusOf(itemId), (st) => st === want, 20_000, { intervalMs: 50, what });
/** The item's status checks are all done: none wanted, none running. */
const checksSettled = (itemId: string) => eventually(async () => (await sql`select requested_at is null and (lease_id is null or lease_expires_at < now()) as idle
    from private.item_status_checks where item_id = ${itemId}`)[0], (r) => r?.idle === true, 20_000, { what: 'status checks settled' });
/** /item/get calls the functions made for an item (their plaid_call log lines). */
const itemGets = (itemId: string) => readFileSync(testStack.stackLog, 'utf8').split('\n')
  .filter((l) => l.includes('"msg":"plaid_call"') && l.includes('"endpoint":"/item/get"') && l.includes(`"item":"${itemId}"`)).length;

describe('item status follows Plaid, not the webhooks\' order', () => {
  it('login required → repaired → login required again (a byte-identical ERROR) shows within seconds; a second LOGIN_REPAIRED too', async () => {
    const s = await newSession('truth');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const plaidId = await plaidItemId(item.id);

    await emulator('POST', `/items/${plaidId}/login-required`);
    await waitStatus(item.id, 'login_required', 'first ITEM_LOGIN_REQUIRED');
    await emulator('POST', `/items/${plaidId}/login-repaired`); // repaired at the bank: LOGIN_REPAIRED
    await waitStatus(item.id, 'healthy', 'first LOGIN_REPAIRED');
    const second = Date.now();
    await emulator('POST', `/items/${plaidId}/login-required`); // the same ERROR body again
    await waitStatus(item.id, 'login_required', 'second ITEM_LOGIN_REQUIRED');
    expect(Date.now() - second).toBeLessThan(15_000);
    await emulator('POST', `/items/${plaidId}/login-repaired`); // the same LOGIN_REPAIRED body again
    await waitStatus(item.id, 'healthy', 'second LOGIN_REPAIRED');
    // Two bodies, each delivered (at least) twice, and each delivery acted on.
    const events = await sql`select webhook_code, delivery_count from public.webhook_events
      where plaid_item_id = ${plaidId} and webhook_type = 'ITEM' order by webhook_code`;
    expect(events.map((e) => e.webhook_code)).toEqual(['ERROR', 'LOGIN_REPAIRED']);
    expect(events.every((e) => e.delivery_count >= 2)).toBe(true);
  }, 60_000);

  it('an old ERROR redelivered after the repair does not bring the error back', async () => {
    const s = await newSession('truth-late');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const plaidId = await plaidItemId(item.id);
    await emulator('POST', `/items/${plaidId}/login-required`);
    await waitStatus(item.id, 'login_required', 'ITEM_LOGIN_REQUIRED');
    await emulator('POST', `/items/${plaidId}/login-repaired`);
    await waitStatus(item.id, 'healthy', 'LOGIN_REPAIRED');
    await checksSettled(item.id);
    // Plaid retries the old ERROR (the same bytes, signed now).
    const [{ payload }] = await sql`select payload from public.webhook_events where plaid_item_id = ${plaidId} and webhook_code = 'ERROR'`;
    const body = plaidBody(Object.fromEntries(Object.entries(payload as Record<string, unknown>).filter(([k]) => k !== 'environment')));
    const res = await deliver(body, (await signature(body)).jwt);
    expect(res.status).toBe(200);
    const [{ requested }] = await sql`select requested_at is not null or lease_id is not null as requested from private.item_status_checks where item_id = ${item.id}`;
    expect(requested).toBe(true);
    await checksSettled(item.id);
    expect(await statusOf(item.id)).toBe('healthy');
  }, 60_000);

  it('a burst of ITEM webhooks costs few /item/get calls: coalesced, at most one per item every 5 s', async () => {
    const s = await newSession('truth-burst');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const plaidId = await plaidItemId(item.id);
    const body = plaidBody({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: plaidId });
    const started = Date.now();
    for (let i = 0; i < 20; i++) expect((await deliver(body, (await signature(body)).jwt)).status).toBe(200);
    await checksSettled(item.id);
    const elapsedS = (Date.now() - started) / 1000;
    const lines = await sql`select count(*)::int as n from public.webhook_events where plaid_item_id = ${plaidId} and webhook_code = 'LOGIN_REPAIRED'`;
    expect(lines[0].n).toBe(1);
    // 20 deliveries, a handful of /item/get calls: no more than the 5 s spacing allows.
    const calls = itemGets(item.id);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(Math.ceil(elapsedS / 5) + 1);
    expect(await statusOf(item.id)).toBe('healthy');
  }, 60_000);
});
