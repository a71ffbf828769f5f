// The one account mapping (private.upsert_item_accounts) under concurrency: an account that appears at
// the bank reaches two writers at once (a balance refresh and a sync page, or two products' syncs).
// The second waits for the first and finds its mapping: one account, and neither writer fails.
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { newSession, testStack } from '../support/stack.ts';
import { eventually } from '../support/wait.ts';

// Two writers' connections as the Edge Functions have them (postgres, the owner), and one to watch them.
const first = postgres(testStack.dbUrl, { max: 1, onnotice: () => {} });
const second = postgres(testStack.dbUrl, { max: 1, onnotice: () => {} });
const observer = postgres(testStack.dbUrl, { max: 1, onnotice: () => {} });
afterAll(async () => { await Promise.all([first.end(), second.end(), observer.end()]); });

const account = (id: string) => ({
  account_id: id, balances: { available: 5, current: 5, iso_currency_code: 'USD', limit: null, unofficial_currency_code: null },
  holder_category: 'personal', mask: '4242', name: 'New Saving', official_name: null, subtype: 'savings', type: 'depository',
});

describe('private.upsert_item_accounts', () => {
  it('maps a new account once when two writers meet it at the same time', async () => {
    const s = await newSession('mapping');
    const tag = crypto.randomUUID();
    const [{ item }] = await first`select private.create_plaid_item(${s.user_id}::uuid, ${`item-${tag}`}, ${`access-sandbox-${tag}`},
      'ins_109508', 'First Platypus Bank', '{}', '{}', null, null, '[]'::jsonb) ->> 'id' as item`;
    const accounts = first.json([account(`new-${tag}`)]);
    const [{ pid: secondPid }] = await second`select pg_backend_pid() as pid`;

    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => { releaseFirst = r; });
    let firstInside!: () => void;
    const firstIsInside = new Promise<void>((r) => { firstInside = r; });
    const writerOne = first.begin(async (tx) => {
      await tx`select count(*) from private.upsert_item_accounts(${item}::uuid, ${s.user_id}::uuid, ${accounts})`;
      firstInside();
      await firstHolds; // still uncommitted: the account and its mapping are not visible to others yet
    });
    await Promise.race([firstIsInside, writerOne.then(() => { throw new Error('the first writer ended before holding'); })]);
    const writerTwo = second.begin((tx) =>
      tx`select count(*)::int as n from private.upsert_item_accounts(${item}::uuid, ${s.user_id}::uuid, ${second.json([account(`new-${tag}`)])})`);
    // Premise: the second writer is waiting for the first (not racing past it).
    await eventually(async () => (await observer`select wait_event_type from pg_catalog.pg_stat_activity
      where pid = ${secondPid}`)[0]?.wait_event_type,
      (w) => w === 'Lock', 10_000, { what: 'the second writer waiting for the first' });
    releaseFirst();
    await writerOne;
    const [{ n }] = await writerTwo;
    expect(n).toBe(1); // it updated the balances of the account the first writer created

    const rows = await first`select a.name, a.current_balance, pa.holder_category from public.plaid_accounts pa
      join public.accounts a on a.id = pa.account_id where pa.plaid_account_id = ${`new-${tag}`}`;
    expect(rows).toEqual([{ name: 'New Saving', current_balance: '5.0000', holder_category: 'personal' }]);
    expect((await first`select count(*)::int as n from public.accounts where user_id = ${s.user_id}`)[0].n).toBe(1);
  });
});
