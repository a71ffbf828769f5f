// A connection's life through the real functions, against Postgres and the Plaid emulator (issue 15):
// an exchange never removes an Item the product stores (re-sent, raced, update-mode and other users'
// tokens), duplicates are found before exchanging and never mapped twice, and connecting a revoked
// bank again restores it with its history.
import { describe, expect, it } from 'vitest';
import { callFunction, connectItem, emulator, exchangeLink, plaid, runLinkSession, sandboxPublicToken } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { expectEqualsTruth, plaidItemId, sql, waitForImport } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';

type EmulatorItem = { item_id: string; access_token: string; removed: boolean; status?: string };
const plaidItem = async (itemId: string) => emulator<EmulatorItem>('GET', `/items/${await plaidItemId(itemId)}`);
const itemsOf = async (userId: string) =>
  (await sql`select id, status, plaid_item_id from public.plaid_items where user_id = ${userId} order by created_at`).map((r) => ({ ...r }));

describe('an exchange never removes an Item the product stores', () => {
  it('an update-mode public token exchanged: 409, the live Item stays connected at Plaid and here', async () => {
    const s = await newSession('x-update');
    const item = await connectItem(s, { webhook: true });
    await waitForImport(item.id);
    const link = await runLinkSession(s, { itemId: item.id }); // Link update mode's onSuccess
    const res = await exchangeLink(s, link);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'DUPLICATE_ITEM', details: { item_id: item.id } });
    expect((await plaidItem(item.id)).removed).toBe(false);
    expect(await itemsOf(s.user_id)).toEqual([expect.objectContaining({ id: item.id, status: 'healthy' })]);
    // Still synced: Plaid answers for it.
    const [{ token }] = await sql`select private.read_item_access_token(${item.id}) as token`;
    expect((await plaid('/item/get', { access_token: token })).item.item_id).toBe(await plaidItemId(item.id));
  });

  it('another user exchanging someone\'s update-mode public token: 400, nothing stored for them, nothing removed', async () => {
    const a = await newSession('x-owner');
    const b = await newSession('x-intruder');
    const item = await connectItem(a, { webhook: true });
    const link = await runLinkSession(a, { itemId: item.id });
    const res = await exchangeLink(b, link);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    expect(JSON.stringify(res.body)).not.toContain(item.id);
    expect(await itemsOf(b.user_id)).toEqual([]);
    expect((await plaidItem(item.id)).removed).toBe(false);
    expect((await itemsOf(a.user_id))[0].status).toBe('healthy');
  });

  it('10 concurrent exchanges of one public token: one connection, the others refused, nothing removed at Plaid', async () => {
    const s = await newSession('x-race');
    const publicToken = await sandboxPublicToken({ webhook: true });
    const results = await Promise.all(Array.from({ length: 10 }, () =>
      callFunction('plaid-exchange-token', { public_token: publicToken }, { session: s })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((st) => st === 201)).toHaveLength(1);
    expect(statuses.filter((st) => st >= 200 && st < 300)).toHaveLength(1);
    const items = await itemsOf(s.user_id);
    expect(items).toHaveLength(1);
    await waitForImport(items[0].id);
    expect((await plaidItem(items[0].id)).removed).toBe(false);
    expect((await itemsOf(s.user_id))[0].status).toBe('healthy');
    await expectEqualsTruth(items[0].id, expect);
  });

  it('a re-sent exchange (the same public token again): refused by Plaid, the connection stays', async () => {
    const s = await newSession('x-resend');
    const publicToken = await sandboxPublicToken({ webhook: true });
    const first = await callFunction('plaid-exchange-token', { public_token: publicToken }, { session: s });
    expect(first.status).toBe(201);
    const again = await callFunction('plaid-exchange-token', { public_token: publicToken }, { session: s });
    expect(again.status).not.toBe(201);
    expect(again.body.error.details).toMatchObject({ error_code: 'INVALID_PUBLIC_TOKEN' });
    expect((await plaidItem(first.body.item.id)).removed).toBe(false);
    expect(await itemsOf(s.user_id)).toHaveLength(1);
  });
});

describe('duplicates: checked before exchanging, never mapped twice', () => {
  it('plaid-link-check says which of Link\'s accounts are connected; the exchange refuses them (409 with details) or adds only the new ones', async () => {
    const s = await newSession('dup');
    const first = await exchangeLink(s, await runLinkSession(s, { masks: ['0000', '1111'] }));
    expect(first.status).toBe(201);
    const existing = first.body.item.id as string;

    const second = await runLinkSession(s, { masks: ['0000', '2222'] });
    const check = await callFunction('plaid-link-check', { metadata: second.metadata }, { session: s });
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({
      result: 'duplicate', item: { id: existing, institution_name: 'First Platypus Bank', status: 'healthy' },
      accounts: [{ mask: '0000', connected: true }, { mask: '2222', connected: false }],
    });

    const before = await emulator<{ items: EmulatorItem[] }>('GET', '/items');
    const refused = await exchangeLink(s, second);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'DUPLICATE_ITEM', details: { item_id: existing, connected_accounts: ['0000'], new_accounts: ['2222'] } });
    // The refused Item was new: it (and only it) is removed at Plaid, through the removal queue.
    const after = await emulator<{ items: EmulatorItem[] }>('GET', '/items');
    const removedNow = after.items.filter((i) => i.removed && !before.items.find((b) => b.item_id === i.item_id)?.removed);
    expect(removedNow.map((i) => i.item_id)).not.toContain(await plaidItemId(existing));
    expect((await plaidItem(existing)).removed).toBe(false);

    const third = await runLinkSession(s, { masks: ['0000', '2222'] });
    const added = await exchangeLink(s, third, { duplicates: 'skip' });
    expect(added.status).toBe(201);
    expect(added.body.item.accounts.map((a: { mask: string }) => a.mask)).toEqual(['2222']);
    expect(added.body.item.skipped_duplicates).toEqual(['0000']);
    // Each bank account is counted once: one Nestfolio account per mask.
    const masks = await sql`select pa.mask, count(*)::int as n from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
      where a.user_id = ${s.user_id} group by pa.mask order by pa.mask`;
    expect(masks.map((r) => [r.mask, r.n])).toEqual([['0000', 1], ['1111', 1], ['2222', 1]]);
    // Syncing the new connection never brings the duplicate's transactions in.
    await waitForImport(added.body.item.id);
    const [{ n }] = await sql`select count(*)::int as n from public.transactions t join public.plaid_accounts pa on pa.account_id = t.account_id
      where t.item_id = ${added.body.item.id} and pa.mask <> '2222'`;
    expect(n).toBe(0);
  }, 90_000);

  it('all of Link\'s accounts already connected: refused even with duplicates: skip', async () => {
    const s = await newSession('dup-all');
    await connectItem(s, { ready: false });
    const res = await exchangeLink(s, await runLinkSession(s), { duplicates: 'skip' });
    expect(res.status).toBe(409);
    expect(res.body.error.details.new_accounts).toEqual([]);
    expect(await itemsOf(s.user_id)).toHaveLength(1);
  });
});

describe('revoked → connect again', () => {
  it('replaces the revoked connection: the same accounts, their history kept, no transaction twice', async () => {
    const s = await newSession('revoked');
    const old = await connectItem(s, { webhook: true });
    await waitForImport(old.id);
    const accountIds = (await sql`select id from public.accounts where user_id = ${s.user_id} order by id`).map((r) => r.id);
    const oldPlaidId = await plaidItemId(old.id);
    const [{ token }] = await sql`select private.read_item_access_token(${old.id}) as token`;
    await plaid('/sandbox/item/fire_webhook', { access_token: token, webhook_code: 'USER_PERMISSION_REVOKED' });
    await eventually(async () => (await itemsOf(s.user_id))[0]?.status, (st) => st === 'revoked', 20_000, { what: 'revoked' });

    const link = await runLinkSession(s);
    const check = await callFunction('plaid-link-check', { metadata: link.metadata }, { session: s });
    expect(check.body.result).toBe('replaces_revoked');
    const res = await exchangeLink(s, link);
    expect(res.status).toBe(201);
    expect(res.body.item.replaced_revoked).toBe(true);
    const items = await itemsOf(s.user_id);
    expect(items.map((i) => i.status)).toEqual(['healthy']);
    // The same Nestfolio accounts, now fed by the new connection.
    expect((await sql`select id from public.accounts where user_id = ${s.user_id} order by id`).map((r) => r.id)).toEqual(accountIds);
    // The revoked Item is removed at Plaid (the removal queue).
    await eventually(() => emulator<EmulatorItem>('GET', `/items/${oldPlaidId}`), (i) => i.removed, 20_000, { what: 'revoked Item removed at Plaid' });
    // After the new import, every transaction is there once: Plaid's current set for the new Item.
    await waitForImport(items[0].id);
    const [{ dupes }] = await sql`select count(*)::int as dupes from public.transactions where user_id = ${s.user_id} and item_id is null`;
    expect(dupes).toBe(0);
    await expectEqualsTruth(items[0].id, expect);
  });
});
