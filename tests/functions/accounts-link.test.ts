// Linking a synced account to an existing manual account keeps the manual account's history.
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });

/** What must hold whatever ran: every mapping feeds an account that exists, every undoable link is a
 *  synced account its mapping feeds, no transaction is left on an account that is gone. */
async function invariants(userId: string) {
  const [r] = await sql`select
    (select count(*)::int from public.plaid_accounts pa where pa.user_id = ${userId} and pa.account_id is not null
       and not exists (select 1 from public.accounts a where a.id = pa.account_id)) as dangling_mappings,
    (select count(*)::int from public.account_links l where l.user_id = ${userId} and not exists (
       select 1 from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
       where a.id = l.account_id and a.source = 'plaid' and pa.id = l.plaid_account_id)) as broken_links,
    (select count(*)::int from public.accounts a where a.user_id = ${userId} and a.source = 'plaid'
       and not exists (select 1 from public.plaid_accounts pa where pa.account_id = a.id)) as unfed_synced`;
  expect(r).toEqual({ dangling_mappings: 0, broken_links: 0, unfed_synced: 0 });
}

const statuses = (results: Array<{ status: number; body: any }>) => {
  for (const r of results) if (r.status >= 400) expect(r.body.error.code).toMatch(/^[A-Z_]+$/);
  return results.map((r) => r.status).sort();
};

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

  it('ten at once: one link wins, one unlink wins, and link/unlink/close/delete of one account race safely', async () => {
    const s = await newSession();
    const item = await connectItem(s);
    const [synced] = await sql`select id from public.accounts where id = any(${item.accounts.map((a) => a.id)}) and type = 'depository' limit 1`;
    const create = async () => (await callFunction('accounts-manual', { action: 'create', name: 'Jar', type: 'depository' }, { session: s })).body.account.id as string;
    const manuals = await Promise.all(Array.from({ length: 10 }, create));

    const links = await Promise.all(manuals.map((m) => callFunction('accounts-link', { synced_account_id: synced.id, manual_account_id: m }, { session: s })));
    expect(statuses(links)).toEqual([200, ...Array(9).fill(404)]);
    const winner = links.find((r) => r.status === 200)!.body.account_id as string;
    await invariants(s.user_id);

    const unlinks = await Promise.all(manuals.map(() => callFunction('accounts-link', { action: 'unlink', account_id: winner }, { session: s })));
    expect(statuses(unlinks)).toEqual([200, ...Array(9).fill(404)]);
    expect((await sql`select count(*)::int as n from public.account_links where user_id = ${s.user_id}`)[0].n).toBe(0);
    await invariants(s.user_id);

    // Every order of these is allowed; none may fail on our side or leave the accounts inconsistent.
    const [m] = manuals;
    const mixed = await Promise.all([
      callFunction('accounts-link', { synced_account_id: synced.id, manual_account_id: m }, { session: s }),
      callFunction('accounts-link', { action: 'unlink', account_id: m }, { session: s }),
      callFunction('accounts-manual', { action: 'update', account_id: m, closed: true }, { session: s }),
      callFunction('accounts-manual', { action: 'update', account_id: m, closed: false }, { session: s }),
      callFunction('accounts-manual', { action: 'update', account_id: m, exclude_from_totals: true }, { session: s }),
      callFunction('accounts-manual', { action: 'delete', account_id: m }, { session: s }),
      callFunction('accounts-link', { synced_account_id: synced.id, manual_account_id: manuals[1] }, { session: s }),
      callFunction('accounts-link', { action: 'unlink', account_id: manuals[1] }, { session: s }),
      callFunction('accounts-manual', { action: 'delete', account_id: manuals[1] }, { session: s }),
      callFunction('accounts-manual', { action: 'update', account_id: manuals[1], name: 'Renamed' }, { session: s }),
    ]);
    for (const r of statuses(mixed)) expect([200, 400, 404]).toContain(r);
    await invariants(s.user_id);
  }, 60_000);
});
