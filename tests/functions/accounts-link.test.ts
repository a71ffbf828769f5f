// Linking a synced account to an existing manual account keeps the manual account's history.
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });

async function manualAccountWithHistory(userId: string) {
  const [a] = await sql`insert into public.accounts (user_id, source, name, type, current_balance)
    values (${userId}, 'manual', 'My checking (manual)', 'depository', 10) returning id`;
  await sql`insert into public.transactions (user_id, account_id, amount, date, name)
    values (${userId}, ${a.id}, 12.34, '2026-01-05', 'Old coffee')`;
  return a.id as string;
}

describe('accounts-link', () => {
  it('moves the synced account onto the manual account, keeping its history', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const manualId = await manualAccountWithHistory(s.user_id);
    const synced = item.accounts[0].id;
    const res = await callFunction('accounts-link', { synced_account_id: synced, manual_account_id: manualId }, { session: s });
    expect(res.status).toBe(200);
    expect(res.body.account_id).toBe(manualId);
    const [pa] = await sql`select account_id from public.plaid_accounts where user_id = ${s.user_id} and account_id = ${manualId}`;
    expect(pa).toBeTruthy();
    expect((await sql`select count(*)::int as n from public.accounts where id = ${synced}`)[0].n).toBe(0);
    expect((await sql`select name from public.transactions where account_id = ${manualId}`).map((r) => r.name)).toContain('Old coffee');
  });

  it('404 for another user\'s accounts and 400 for the same account twice; nothing changes', async () => {
    const owner = await newSession();
    const other = await newSession();
    const item = await connectItem(owner);
    const manualId = await manualAccountWithHistory(owner.user_id);
    const cross = await callFunction('accounts-link', { synced_account_id: item.accounts[0].id, manual_account_id: manualId }, { session: other });
    expect(cross.status).toBe(404);
    const same = await callFunction('accounts-link', { synced_account_id: manualId, manual_account_id: manualId }, { session: owner });
    expect(same.status).toBe(400);
    expect((await sql`select count(*)::int as n from public.accounts where user_id = ${owner.user_id}`)[0].n).toBe(item.accounts.length + 1);
  });
});
