// The insights functions against the real stack: net worth and its history, an account's history, the
// transactions explorer (every filter, keyset pages, pending apart and replaced, isolation), the CSV
// export (same rows as the filter, RFC 4180 quoting, formula-safe, statement sign) and investments.
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalSession } from '../../local/session.ts';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';
import { sql, waitForIdle, waitForImport } from '../support/sync.ts';

type Tx = { id: string; date: string; name: string; merchant_name: string | null; amount: string; pending: boolean; account_id: string;
  category: { primary: string; label: string; detailed_label: string | null } | null; logo_url: string | null; was_pending: boolean };

let owner: LocalSession;
let other: LocalSession;
let itemId: string;
let accounts: Array<{ account_id: string; label: string; kind: string; balance: string | null }>;

const search = (body: Record<string, unknown>, session = owner) => callFunction('transactions-search', body, { session });
const byLabel = (label: string) => accounts.find((a) => a.label === label)!.account_id;

/** Every page of a search, following `next`; asserts pages never overlap. */
async function allPages(body: Record<string, unknown>, limit = 37): Promise<Tx[]> {
  const seen: Tx[] = [];
  let after: unknown;
  for (let i = 0; i < 200; i++) {
    const r = await search({ ...body, limit, ...(after ? { after } : {}) });
    expect(r.status).toBe(200);
    seen.push(...r.body.transactions);
    if (!r.body.next) break;
    after = r.body.next;
  }
  expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);
  return seen;
}

beforeAll(async () => {
  owner = await newSession('insights');
  other = await newSession('insights-other');
  const item = await connectItem(owner, { products: ['transactions', 'liabilities', 'investments'], webhook: true });
  itemId = item.id;
  // Plaid's Sandbox sends a new Item's history in steps (SYNC_UPDATES_AVAILABLE): wait for all of it.
  await waitForImport(itemId);
  for (const p of ['liabilities', 'investments']) await waitForIdle(itemId, p);
  const r = await callFunction('net-worth', {}, { session: owner });
  accounts = r.body.accounts;
}, 60_000);

describe('net-worth', () => {
  it('totals per currency, kinds in order, institutions; liabilities subtracted; excluded and hidden accounts left out', async () => {
    const eur = await callFunction('accounts-manual', { action: 'create', name: 'Flat in Lyon', type: 'other', current_balance: '180000.00', currency: 'EUR' }, { session: owner });
    expect(eur.status).toBe(201);
    const r = await callFunction('net-worth', {}, { session: owner });
    expect(r.status).toBe(200);
    const truth = await sql`select coalesce(sum(current_balance) filter (where type not in ('credit', 'loan')), 0)::text as assets,
        coalesce(sum(current_balance) filter (where type in ('credit', 'loan')), 0)::text as liabilities
      from public.accounts where user_id = ${owner.user_id} and currency = 'USD' and current_balance is not null`;
    const usd = r.body.totals.find((t: { currency: string }) => t.currency === 'USD');
    expect(Number(usd.assets)).toBeCloseTo(Number(truth[0].assets), 4);
    expect(Number(usd.liabilities)).toBeCloseTo(Number(truth[0].liabilities), 4);
    expect(Number(usd.net_worth)).toBeCloseTo(Number(truth[0].assets) - Number(truth[0].liabilities), 4);
    expect(Number(usd.liabilities)).toBeGreaterThan(50_000); // the mortgage and student loan are debts, not cash
    expect(r.body.totals.find((t: { currency: string }) => t.currency === 'EUR')).toMatchObject({ assets: '180000.0000', net_worth: '180000.0000', accounts: 1 });
    expect(r.body.kinds.filter((k: { currency: string }) => k.currency === 'USD').map((k: { kind: string }) => k.kind))
      .toEqual(['cash', 'credit', 'loan', 'investment']);
    expect(r.body.institutions.find((i: { institution_name: string | null; currency: string }) => i.currency === 'USD' && i.institution_name === 'First Platypus Bank'))
      .toMatchObject({ net_worth: usd.net_worth });
    // Accounts come sorted by kind, then institution.
    const ranks = r.body.accounts.map((a: { kind_rank: number }) => a.kind_rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const mortgage = r.body.accounts.find((a: { subtype: string }) => a.subtype === 'mortgage');
    const excluded = await callFunction('accounts-manual', { action: 'update', account_id: mortgage.account_id, exclude_from_totals: true }, { session: owner });
    expect(excluded.status).toBe(200);
    expect(excluded.body.account.exclude_from_totals).toBe(true);
    const after = await callFunction('net-worth', {}, { session: owner });
    const usdAfter = after.body.totals.find((t: { currency: string }) => t.currency === 'USD');
    expect(Number(usdAfter.liabilities)).toBeCloseTo(Number(usd.liabilities) - Number(mortgage.balance), 4);
    expect(after.body.accounts.find((a: { account_id: string }) => a.account_id === mortgage.account_id).in_totals).toBe(false);
    await callFunction('accounts-manual', { action: 'update', account_id: mortgage.account_id, exclude_from_totals: false }, { session: owner });
    await callFunction('accounts-manual', { action: 'update', account_id: eur.body.account.id, hidden: true }, { session: owner });
    const hidden = await callFunction('net-worth', {}, { session: owner });
    expect(hidden.body.totals.map((t: { currency: string }) => t.currency)).toEqual(['USD']);
  });

  it('with a range, the daily history per currency ends today with today\'s totals', async () => {
    const r = await callFunction('net-worth', { range: '1M' }, { session: owner });
    expect(r.status).toBe(200);
    const usd = r.body.history.series.find((s: { currency: string }) => s.currency === 'USD');
    expect(r.body.history.range).toBe('1M');
    const today = new Date().toISOString().slice(0, 10);
    expect(usd.points.at(-1)).toMatchObject({ date: today, net_worth: r.body.totals.find((t: { currency: string }) => t.currency === 'USD').net_worth });
    expect(usd.points.length).toBeGreaterThanOrEqual(28);
    // Every day once, in order.
    const dates = usd.points.map((p: { date: string }) => p.date);
    expect(dates).toEqual([...new Set(dates)].sort());
    expect(usd.points[0].estimated).toBe(true); // before the connection: walked back from transactions
  });

  it('another user sees none of it', async () => {
    const r = await callFunction('net-worth', { range: 'ALL' }, { session: other });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ totals: [], kinds: [], institutions: [], accounts: [], history: { series: [] } });
  });
});

describe('balance-history', () => {
  it('a card\'s daily balance with available credit and utilisation; another user\'s account is a 404', async () => {
    const card = accounts.find((a) => a.kind === 'credit')!;
    const r = await callFunction('balance-history', { account_id: card.account_id, range: '3M' }, { session: owner });
    expect(r.status).toBe(200);
    expect(r.body.account).toMatchObject({ kind: 'credit', is_liability: true, credit_limit: '2000.0000', available_credit: '1590.0000', utilization: '0.2050' });
    expect(r.body.points.at(-1)).toMatchObject({ balance: '410.0000', estimated: false });
    expect(r.body.estimated_until).not.toBeNull();
    const stranger = await callFunction('balance-history', { account_id: card.account_id, range: '3M' }, { session: other });
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.message).toMatch(/no account/);
  });
});

describe('transactions-search', () => {
  it('searches merchant and name, case-insensitively, and pages by keyset without overlaps or gaps', async () => {
    const found = await allPages({ query: 'StarBucks', status: 'posted' }, 7);
    const [{ n }] = await sql`select count(*)::int as n from public.transactions where user_id = ${owner.user_id} and not pending
      and (coalesce(merchant_name, '') || ' ' || name) ilike '%starbucks%'`;
    expect(found.length).toBe(n);
    expect(n).toBeGreaterThan(7);
    expect(found.every((t) => /starbucks/i.test(`${t.merchant_name} ${t.name}`))).toBe(true);
    const keys = found.map((t) => `${t.date}|${t.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(found[0].category).toMatchObject({ primary: 'FOOD_AND_DRINK', label: 'Food & drink', detailed_label: 'Coffee' });
    expect(found[0].logo_url).toMatch(/^https:\/\//);
  });

  it('a term matching more than the trigram path collects is served by the date walk, completely', async () => {
    const checking = byLabel('Plaid Checking');
    const [row] = await sql`select user_id, item_id from public.transactions where account_id = ${checking} limit 1`;
    await sql`insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, merchant_name, pending)
      select ${row.user_id}, ${checking}, ${row.item_id}, 'common-' || n || '-' || ${crypto.randomUUID()}, 3.5, current_date - (n % 300), 'Common Cafe ' || n, 'Common Cafe', false
      from generate_series(1, 2100) n`;
    const found = await allPages({ query: 'common cafe', status: 'posted' }, 200);
    expect(found.length).toBe(2100);
    const keys = found.map((t) => `${t.date}|${t.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    const rare = await allPages({ query: 'common cafe 2099', status: 'posted' }, 5);
    expect(rare.map((t) => t.name)).toEqual(['Common Cafe 2099']);
    await sql`delete from public.transactions where plaid_transaction_id like 'common-%' and account_id = ${checking}`;
  });

  it('a % or _ in the search is taken literally', async () => {
    const r = await search({ query: '%%' });
    expect(r.status).toBe(200);
    expect(r.body.transactions).toEqual([]);
  });

  it('filters by account, dates, category, direction and amount, all together', async () => {
    const checking = byLabel('Plaid Checking');
    const [{ min, max }] = await sql`select min(date)::text as min, max(date)::text as max from public.transactions where account_id = ${checking}`;
    const body = { account_ids: [checking], from: min, to: max, categories: ['FOOD_AND_DRINK', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES'], direction: 'out', min_amount: '5', max_amount: '50', status: 'posted' };
    const found = await allPages(body, 25);
    const truth = await sql`select id from public.transactions where account_id = ${checking} and not pending and date between ${min} and ${max}
      and (pfc_primary = 'FOOD_AND_DRINK' or pfc_detailed = 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES') and amount > 0 and abs(amount) between 5 and 50`;
    expect(found.map((t) => t.id).sort()).toEqual(truth.map((t) => t.id).sort());
    expect(truth.length).toBeGreaterThan(0);
    const incoming = await search({ direction: 'in', status: 'posted', limit: 200 });
    expect(incoming.body.transactions.every((t: Tx) => t.amount.startsWith('-'))).toBe(true);
  });

  it('pending apart from posted on the first page; a posted transaction replaces its pending one', async () => {
    // At least one pending transaction, whatever the generated history holds (Plaid's Sandbox has some
    // only in its last two days, at random): one of today's, on the checking account.
    const [{ user_id }] = await sql`select user_id from public.plaid_items where id = ${itemId}`;
    await sql`insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, merchant_name, pending)
      values (${user_id}, ${byLabel('Plaid Checking')}, ${itemId}, ${`pending-${crypto.randomUUID()}`}, 4.5, current_date, 'Blue Bottle Coffee', 'Blue Bottle', true)`;
    const first = await search({ limit: 10 });
    expect(first.status).toBe(200);
    expect(first.body.pending.length).toBeGreaterThan(0);
    expect(first.body.pending.every((t: Tx) => t.pending)).toBe(true);
    expect(first.body.transactions.every((t: Tx) => !t.pending)).toBe(true);
    expect(first.body.categories.find((c: { code: string }) => c.code === 'RENT_AND_UTILITIES').label).toBe('Rent & utilities');
    const second = await search({ limit: 10, after: first.body.next });
    expect(second.body.pending).toBeNull();

    // Plaid posted one of them; its pending row is not removed yet (the next page would): shown once, posted.
    const pending = first.body.pending[0] as Tx;
    const [row] = await sql`select * from public.transactions where id = ${pending.id}`;
    await sql`insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, merchant_name, pending, pending_transaction_id)
      values (${row.user_id}, ${row.account_id}, ${row.item_id}, ${`posted-${row.plaid_transaction_id}`}, ${row.amount}, ${row.date}, ${row.name}, ${row.merchant_name}, false, ${row.plaid_transaction_id})`;
    const again = await search({ limit: 50, query: row.merchant_name ?? row.name });
    expect(again.body.pending.map((t: Tx) => t.id)).not.toContain(pending.id);
    expect(again.body.transactions.find((t: Tx) => t.was_pending && t.name === row.name)).toBeTruthy();
    expect((await search({ status: 'pending', limit: 200 })).body.transactions.map((t: Tx) => t.id)).not.toContain(pending.id);
  });

  it('another user gets nothing of the owner\'s, and the owner\'s account ids answer 404 as missing ones do', async () => {
    const r = await search({ limit: 200 }, other);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ pending: [], transactions: [], next: null });
    const foreign = await search({ account_ids: [byLabel('Plaid Checking')] }, other);
    expect(foreign.status).toBe(404);
    const missing = await search({ account_ids: [crypto.randomUUID()] }, other);
    expect(missing.status).toBe(404);
    expect(foreign.body.error.code).toBe(missing.body.error.code);
  });

  it('refuses inverted ranges and malformed filters with 400 naming the field', async () => {
    for (const [body, field] of [
      [{ from: '2026-02-01', to: '2026-01-01' }, 'from'], [{ min_amount: '10', max_amount: '5' }, 'min_amount'],
      [{ min_amount: '-5' }, 'min_amount'], [{ categories: ['food; drop table'] }, 'categories'], [{ query: 'a' }, 'query'],
      [{ status: 'cleared' }, 'status'], [{ after: { date: '2026-01-01' } }, 'after'],
    ] as const) {
      const r = await search(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.message).toMatch(new RegExp(field));
    }
  });
});

describe('transactions-export', () => {
  async function exportCsv(body: Record<string, unknown>, session = owner) {
    const res = await fetch(testStack.functionUrl('transactions-export'), {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', apikey: testStack.keys.publishableKey, Authorization: `Bearer ${session.access_token}` },
    });
    return { res, text: await res.text() };
  }
  /** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
  function parse(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [], field = '', quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') { row.push(field); field = ''; }
      else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
      else field += c;
    }
    return rows;
  }

  it('streams every matching transaction as CSV: statement sign, quoted, formula-safe', async () => {
    const checking = byLabel('Plaid Checking');
    const [row] = await sql`select * from public.transactions where account_id = ${checking} and not pending order by date desc limit 1`;
    await sql`insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, merchant_name, pending)
      values (${row.user_id}, ${checking}, ${row.item_id}, ${`csv-${crypto.randomUUID()}`}, 12.5, ${row.date}, '=HYPERLINK("http://x"), "quoted"', 'Comma, Inc.', false)`;
    const { res, text } = await exportCsv({ account_ids: [checking] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="nestfolio-transactions-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = parse(text.replace(/^\ufeff/, ''));
    expect(rows[0]).toEqual(['date', 'authorized_date', 'status', 'account', 'name', 'merchant', 'amount', 'currency', 'category', 'category_detail', 'payment_channel', 'transaction_id']);
    const [{ n }] = await sql`select count(*)::int as n from public.transactions t where account_id = ${checking}
      and (not pending or not exists (select 1 from public.transactions r where r.pending_transaction_id = t.plaid_transaction_id and not r.pending))`;
    expect(rows.length - 1).toBe(n);
    const hostile = rows.find((r) => r[5] === 'Comma, Inc.')!;
    expect(hostile[4]).toBe(`'=HYPERLINK("http://x"), "quoted"`);
    expect(hostile[6]).toBe('-12.5000');
    expect(rows.slice(1).every((r) => r.length === 12)).toBe(true);
  });

  it('exports the same rows the explorer finds for a filter, in the same order', async () => {
    const body = { query: 'uber', status: 'posted' };
    const found = await allPages(body, 50);
    const { text } = await exportCsv(body);
    const ids = parse(text.replace(/^\ufeff/, '')).slice(1).map((r) => r[11]);
    const plaidIds = await sql`select plaid_transaction_id from public.transactions where id = any(${found.map((t) => t.id)}::uuid[])`;
    expect(ids.length).toBe(found.length);
    expect(new Set(ids)).toEqual(new Set(plaidIds.map((r) => r.plaid_transaction_id)));
  });

  it('another user exports only a header', async () => {
    const { res, text } = await exportCsv({}, other);
    expect(res.status).toBe(200);
    expect(parse(text.replace(/^\ufeff/, '')).length).toBe(1);
  });
});

describe('investments', () => {
  it('holdings with price, value, cost basis and gain, and investment transactions by keyset', async () => {
    const inv = await sql`select a.id from public.accounts a join public.holdings h on h.account_id = a.id where a.user_id = ${owner.user_id} limit 1`;
    const accountId = inv[0].id as string;
    const r = await callFunction('investments', { account_id: accountId, limit: 3 }, { session: owner });
    expect(r.status).toBe(200);
    const truth = await sql`select h.institution_value::text as value, h.cost_basis::text as cost_basis, (h.institution_value - h.cost_basis)::text as gain
      from public.holdings h where h.account_id = ${accountId} order by h.institution_value desc`;
    expect(r.body.holdings.map((h: { value: string; cost_basis: string | null; gain: string | null }) => [h.value, h.cost_basis, h.gain]))
      .toEqual(truth.map((t) => [t.value, t.cost_basis, t.gain]));
    expect(r.body.holdings[0]).toHaveProperty('price');
    const [total] = r.body.totals;
    expect(Number(total.value)).toBeCloseTo(truth.reduce((s, t) => s + Number(t.value), 0), 2);
    const [{ n }] = await sql`select count(*)::int as n from public.investment_transactions where account_id = ${accountId}`;
    let seen = r.body.transactions.length;
    for (let next = r.body.next; next;) {
      const page = await callFunction('investments', { account_id: accountId, limit: 3, after: next }, { session: owner });
      seen += page.body.transactions.length;
      next = page.body.next;
    }
    expect(seen).toBe(n);
    expect((await callFunction('investments', { account_id: accountId }, { session: other })).status).toBe(404);
  });
});
