// Deleting a user, or all of a user's bank data, removes their Items at Plaid first and reliably: the
// tokens wait in a durable queue until Plaid confirms (or says the Item is gone), retried through
// Plaid's failures; webhooks that still come for those Items are answered 200 and logged once.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem, emulator } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';
import { plaidItemId, sql, waitForImport } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';
import { deliver, plaidBody, signature } from '../support/webhooks.ts';

type EmulatorItem = { item_id: string; removed: boolean };
const removedAtPlaid = (plaidId: string) =>
  eventually(() => emulator<EmulatorItem>('GET', `/items/${plaidId}`), (i) => i.removed, 20_000, { what: `${plaidId} removed at Plaid` });
const queueOf = async (plaidId: string) =>
  (await sql`select outcome, attempts, access_token_secret_id is not null as has_token, reason from private.plaid_item_removals
    where plaid_item_id = ${plaidId}`)[0];

describe('deleting a user', () => {
  it('removes every Item at Plaid before the tokens go, retrying through Plaid\'s failures', async () => {
    const s = await newSession('gone-user');
    const a = await connectItem(s, { webhook: true });
    const b = await connectItem(s, { institutionId: 'ins_109509', webhook: true });
    await Promise.all([waitForImport(a.id), waitForImport(b.id)]);
    const [pa, pb] = [await plaidItemId(a.id), await plaidItemId(b.id)];
    // Plaid fails /item/remove for b for a while.
    const { fault } = await emulator<{ fault: { id: string } }>('POST', '/faults', { endpoint: '/item/remove', error_code: 'INTERNAL_SERVER_ERROR', count: 50, item_id: pb });
    try {
      await sql`delete from auth.users where id = ${s.user_id}`;
      expect((await sql`select count(*)::int as n from public.plaid_items where user_id = ${s.user_id}`)[0].n).toBe(0);
      await removedAtPlaid(pa);
      expect(await queueOf(pa)).toEqual({ outcome: 'removed', attempts: 0, has_token: false, reason: 'user_deleted' });
      await eventually(() => queueOf(pb), (q) => q.attempts >= 1, 20_000, { what: 'a failed removal recorded' });
      expect(await queueOf(pb)).toMatchObject({ outcome: null, has_token: true }); // the token is kept for the retry
    } finally {
      await emulator('DELETE', `/faults/${fault.id}`).catch(() => {});
    }
    // The retry is due (as the sweep finds it after its backoff).
    await sql`update private.plaid_item_removals set next_attempt_at = now() where plaid_item_id = ${pb}`;
    await sql`select private.sweep_item_lifecycle()`;
    await removedAtPlaid(pb);
    await eventually(() => queueOf(pb), (q) => q.outcome === 'removed', 20_000, { what: 'removal done' });
    expect((await queueOf(pb)).has_token).toBe(false);
  }, 60_000);

  it('webhooks for an Item it no longer holds are answered 200 and logged once', async () => {
    const plaidId = `gone-${crypto.randomUUID()}`;
    const first = plaidBody({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: plaidId, initial_update_complete: true, historical_update_complete: true });
    const second = plaidBody({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: plaidId, error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'm', display_message: null, status: 400 } });
    for (const body of [first, first, second]) {
      const res = await deliver(body, (await signature(body)).jwt);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ received: true, outcome: 'ignored' });
    }
    const lines = () => readFileSync(testStack.stackLog, 'utf8').split('\n').filter((l) => l.includes(plaidId) && l.includes('"msg":"webhook'));
    await eventually(async () => lines(), (l) => l.length >= 1, 5_000, { what: 'the log line' });
    expect(lines().map((l) => JSON.parse(l.slice(l.indexOf('{'))).msg)).toEqual(['webhook_for_unknown_item']);
  });
});

describe('Delete all my bank data', () => {
  it('deletes every connection (removed at Plaid) and every account with its history; the sign-in stays', async () => {
    const s = await newSession('delete-all');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const manual = await callFunction('accounts-manual', { action: 'create', name: 'Cash jar', type: 'depository', current_balance: '20.00' }, { session: s });
    expect(manual.status).toBe(201);
    const [{ n: transactions }] = await sql`select count(*)::int as n from public.transactions where user_id = ${s.user_id}`;
    const plaidId = await plaidItemId(item.id);

    const wrong = await callFunction('plaid-data-delete', { confirm: 'yes' }, { session: s });
    expect(wrong.status).toBe(400);
    expect((await sql`select count(*)::int as n from public.accounts where user_id = ${s.user_id}`)[0].n).toBeGreaterThan(1);

    const res = await callFunction('plaid-data-delete', { confirm: 'delete all my bank data' }, { session: s });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: { connections: 1, accounts: item.accounts.length + 1, transactions }, removed_at_plaid: 1, removal_pending: 0 });
    expect((await emulator<EmulatorItem>('GET', `/items/${plaidId}`)).removed).toBe(true);
    for (const table of ['plaid_items', 'accounts', 'transactions', 'plaid_sync_state', 'liabilities', 'holdings']) {
      expect((await sql`select count(*)::int as n from ${sql(`public.${table}`)} where user_id = ${s.user_id}`)[0].n, table).toBe(0);
    }
    const overview = await callFunction('plaid-accounts', {}, { session: s });
    expect(overview.status).toBe(200);
    expect(overview.body.items).toEqual([]);
    expect(overview.body.accounts).toEqual([]);
  });
});
