// Webhooks end to end, nothing called by hand: the emulator changes an item and sends its signed
// webhook to plaid-webhook; the database requests the sync over pg_net; plaid-sync stores the rows.
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem, emulator, plaid } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { plaidItemId, sql, waitForImport } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';

type Delivery = { webhook_code: string; status: string; http_status: number | null };

async function deliveries(plaidId: string, code: string): Promise<Delivery[]> {
  const { deliveries } = await emulator<{ deliveries: Delivery[] }>('GET', `/webhooks?item_id=${plaidId}`);
  return deliveries.filter((d) => d.webhook_code === code);
}

async function overview(session: Awaited<ReturnType<typeof newSession>>, itemId: string) {
  const res = await callFunction('plaid-accounts', {}, { session });
  expect(res.status).toBe(200);
  return res.body.items.find((i: { id: string }) => i.id === itemId) as { status: string; action_needed: string | null };
}

describe('webhooks end to end', () => {
  it('new transactions at the bank appear in the database through SYNC_UPDATES_AVAILABLE alone', async () => {
    const s = await newSession('webhook-e2e');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const plaidId = await plaidItemId(item.id);
    const added = await emulator<{ transactions: Array<{ transaction_id: string }> }>('POST', `/items/${plaidId}/transactions`, {
      transactions: [{ amount: 7.25, name: 'Webhook Bakery' }, { amount: 64.1, name: 'Webhook Hardware', pending: true }],
    });
    const ids = added.transactions.map((t) => t.transaction_id);
    const rows = await eventually(
      () => sql`select plaid_transaction_id, name, amount::text as amount, pending from public.transactions where plaid_transaction_id = any(${ids}) order by name`,
      (r) => r.length === 2);
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { plaid_transaction_id: ids[0], name: 'Webhook Bakery', amount: '7.2500', pending: false },
      { plaid_transaction_id: ids[1], name: 'Webhook Hardware', amount: '64.1000', pending: true },
    ]);
    expect((await deliveries(plaidId, 'SYNC_UPDATES_AVAILABLE')).some((d) => d.status === 'delivered' && d.http_status === 200)).toBe(true);
    const runs = await sql`select outcome from public.sync_runs where item_id = ${item.id} and trigger = 'webhook'`;
    expect(runs.map((r) => r.outcome)).toContain('succeeded');
  });

  it('an ITEM ERROR webhook makes the accounts read ask for a reconnect; LOGIN_REPAIRED heals the item and syncs it', async () => {
    const s = await newSession('webhook-e2e');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const plaidId = await plaidItemId(item.id);
    expect((await overview(s, item.id)).action_needed).toBeNull();

    await emulator('POST', `/items/${plaidId}/login-required`);
    const broken = await eventually(() => overview(s, item.id), (o) => o.action_needed !== null);
    expect(broken).toMatchObject({ status: 'login_required', action_needed: 'reconnect' });

    const [{ since }] = await sql`select now() as since`;
    await emulator('POST', `/items/${plaidId}/login-repaired`);
    const healed = await eventually(() => overview(s, item.id), (o) => o.status === 'healthy');
    expect(healed.action_needed).toBeNull();
    // LOGIN_REPAIRED requested a sync of the healed item, which ran and succeeded.
    await eventually(async () => (await sql`select count(*)::int as n from public.sync_runs where item_id = ${item.id}
      and trigger = 'webhook' and outcome = 'succeeded' and started_at >= ${since}`)[0].n, (n) => n > 0);
  });

  it('NEW_ACCOUNTS_AVAILABLE flags the connection for update mode', async () => {
    const s = await newSession('webhook-e2e');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const plaidId = await plaidItemId(item.id);
    const emulated = (await emulator<{ items: Array<{ item_id: string; access_token: string }> }>('GET', '/items')).items.find((i) => i.item_id === plaidId)!;
    await plaid('/sandbox/item/fire_webhook', { access_token: emulated.access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    const flagged = await eventually(() => overview(s, item.id), (o) => o.action_needed !== null);
    expect(flagged).toMatchObject({ status: 'healthy', action_needed: 'new_accounts' });
  });
});
