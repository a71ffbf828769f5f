// Liabilities and investments are synced for items that have those products, starting with the
// initial sync requested by the exchange.
import { describe, expect, it } from 'vitest';
import { connectItem, plaid } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { sql, syncNow, waitForIdle } from '../support/sync.ts';

describe('liabilities and investments', () => {
  it('the initial sync stores liabilities, holdings and investment transactions equal to Plaid\'s', async () => {
    const s = await newSession('invest');
    const item = await connectItem(s, { products: ['transactions', 'liabilities', 'investments'] });
    for (const product of ['liabilities', 'investments']) await waitForIdle(item.id, product);
    const states = await sql`select product, initial_sync_done, last_synced_at is not null as synced from public.plaid_sync_state where item_id = ${item.id} order by product`;
    expect(states.map((r) => r.product)).toEqual(['investments', 'liabilities', 'transactions']);
    expect(states.filter((r) => r.product !== 'transactions').every((r) => r.initial_sync_done && r.synced)).toBe(true);

    const [{ token }] = await sql`select private.read_item_access_token(${item.id}) as token`;
    const truthLiabilities = (await plaid('/liabilities/get', { access_token: token })).liabilities;
    const kinds = await sql`select kind, count(*)::int as n from public.liabilities where item_id = ${item.id} group by kind order by kind`;
    expect(Object.fromEntries(kinds.map((k) => [k.kind, k.n]))).toEqual(Object.fromEntries(
      (['credit', 'mortgage', 'student'] as const).filter((k) => truthLiabilities[k]?.length).map((k) => [k, truthLiabilities[k].length])));

    const truthHoldings = await plaid('/investments/holdings/get', { access_token: token });
    const holdings = await sql`select h.quantity::float8 as quantity, s.plaid_security_id from public.holdings h join public.securities s on s.id = h.security_id where h.item_id = ${item.id}`;
    expect(holdings.length).toBe(truthHoldings.holdings.length);
    expect(holdings.map((h) => h.plaid_security_id).sort()).toEqual(truthHoldings.holdings.map((h: { security_id: string }) => h.security_id).sort());
    const [{ n }] = await sql`select count(*)::int as n from public.investment_transactions where item_id = ${item.id}`;
    expect(n).toBeGreaterThan(0);

    // A later sync (webhook or schedule) replaces the full set without duplicating anything.
    const runs = await syncNow(item.id, 'investments');
    expect(runs[0].outcome).toBe('succeeded');
    expect((await sql`select count(*)::int as n from public.holdings where item_id = ${item.id}`)[0].n).toBe(truthHoldings.holdings.length);
    expect((await sql`select count(*)::int as n from public.investment_transactions where item_id = ${item.id}`)[0].n).toBe(n);
  });

  // Plaid's credit, mortgage and student lists are nullable: null for a user without one (spec
  // LiabilitiesObject). A JSON null once made every liabilities sync fail and retry forever.
  for (const [who, opts] of [
    ['user_yuppie (a card and a student loan, no mortgage)', { username: 'user_yuppie', password: 'any' }],
    ['a custom user with only a card (student and mortgage null)', { username: 'user_custom', password: JSON.stringify({
      override_accounts: [{ type: 'credit', subtype: 'credit card', starting_balance: 320, meta: { name: 'Only Card', mask: '4242' },
        liability: { credit: { purchase_apr: 19.99, minimum_payment_amount: 25, last_payment_amount: 100, is_overdue: false } } },
      { type: 'depository', subtype: 'checking', starting_balance: 1000, meta: { name: 'Checking', mask: '1212' } }] }) }],
  ] as const) {
    it(`liabilities sync for ${who}: Plaid's null lists store nothing and fail nothing`, async () => {
      const s = await newSession('nullliab');
      const item = await connectItem(s, { products: ['transactions', 'liabilities'], ...opts });
      const [{ token }] = await sql`select private.read_item_access_token(${item.id}) as token`;
      const truth = (await plaid('/liabilities/get', { access_token: token })).liabilities;
      expect(truth.mortgage).toBeNull(); // the case under test is really what Plaid sent
      await waitForIdle(item.id, 'liabilities');
      const runs = await syncNow(item.id, 'liabilities');
      expect(runs.map((r) => [r.outcome, r.error_code ?? null])).toEqual([['succeeded', null]]);
      const [state] = await sql`select attempts, last_error, initial_sync_done from public.plaid_sync_state where item_id = ${item.id} and product = 'liabilities'`;
      expect(state).toEqual({ attempts: 0, last_error: null, initial_sync_done: true });
      const kinds = await sql`select kind, count(*)::int as n from public.liabilities where item_id = ${item.id} group by kind order by kind`;
      expect(Object.fromEntries(kinds.map((k) => [k.kind, k.n]))).toEqual(Object.fromEntries(
        (['credit', 'mortgage', 'student'] as const).filter((k) => truth[k]?.length).map((k) => [k, truth[k].length])));
      const [{ progress }] = await sql`select sync_in_progress as progress from public.item_overview where id = ${item.id}`;
      expect(progress).toBe(false);
    });
  }

  it('a product the institution does not have ends the run without retries', async () => {
    const s = await newSession('noinv');
    const item = await connectItem(s, { username: 'user_transactions_dynamic', password: 'any' });
    const runs = await syncNow(item.id, 'investments');
    expect(runs[0].outcome).toBe('succeeded');
    const [state] = await sql`select attempts, next_attempt_at from public.plaid_sync_state where item_id = ${item.id} and product = 'investments'`;
    expect(state).toEqual({ attempts: 0, next_attempt_at: null });
  });
});
