// Custom Sandbox users (plaid.com/docs/sandbox/user-custom): `user_custom` with Plaid's JSON configuration
// gives exactly the configured accounts, transactions, balances, liabilities and holdings; force_error
// and device MFA; and /sandbox/public_token/create's options.transactions.start_date/end_date bound the
// history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeProblems, startTestEmulator, syncAll, type TestEmulator } from './support.ts';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 120, instantTransactions: 'this file checks what data a configuration gives, not when it is ready' });
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await emu.close();
});

const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

const config = {
  override_accounts: [
    {
      type: 'depository', subtype: 'checking', starting_balance: 1250.5, force_available_balance: 1000,
      meta: { name: 'House Account', official_name: 'Joint House Checking', mask: '4821' },
      transactions: [
        { date_transacted: day(40), date_posted: day(39), amount: 1200, description: 'Rent', currency: 'USD' },
        { date_transacted: day(3), date_posted: day(2), amount: 54.3, description: 'Groceries' },
        { date_transacted: day(1), date_posted: day(-2), amount: 9.99, description: 'Streaming (pending)' },
        { date_transacted: day(10), date_posted: day(10), amount: -2500, description: 'Salary' },
      ],
    },
    {
      type: 'credit', subtype: 'credit card', starting_balance: 410.25, meta: { name: 'Travel Card', limit: 5000, mask: '9911' },
      transactions: [],
      liability: { type: 'credit', purchase_apr: 19.99, cash_apr: 25.5, last_payment_amount: 120, minimum_payment_amount: 35, is_overdue: true },
    },
    {
      type: 'loan', subtype: 'student', starting_balance: 18000, has_null_available_balance: true, meta: { name: 'Grad Loan', mask: '7001' },
      transactions: [],
      liability: { type: 'student', origination_date: '2019-09-01', principal: 24000, nominal_apr: 4.5, guarantor: 'DEPT OF ED', loan_name: 'Grad PLUS' },
    },
    { type: 'loan', subtype: 'mortgage', starting_balance: 250000, meta: { name: 'Home Loan', mask: '5151' }, transactions: [] },
    {
      type: 'investment', subtype: 'brokerage', meta: { name: 'Brokerage', mask: '3003' },
      holdings: [
        { institution_price: 150, quantity: 10, cost_basis: 1200, currency: 'USD', security: { ticker_symbol: 'AAPL', currency: 'USD' } },
        { institution_price: 1, quantity: 250.5, currency: 'USD', security: { ticker_symbol: 'CUR:USD', currency: 'USD' } },
      ],
      investment_transactions: [{ date: day(20), name: 'buy AAPL', quantity: 2, price: 145, fees: 1, type: 'buy', currency: 'USD', security: { ticker_symbol: 'AAPL', currency: 'USD' } }],
    },
  ],
};

async function customItem(cfg: unknown, products = ['transactions', 'liabilities', 'investments']) {
  return await emu.newItem({ products, options: { override_username: 'user_custom', override_password: JSON.stringify(cfg) } });
}

describe('user_custom with override_accounts', () => {
  it('gives exactly the configured accounts and balances', async () => {
    const { access_token } = await customItem(config);
    const { accounts } = (await emu.plaid('/accounts/get', { access_token })).body;
    expect(accounts.map((a: Record<string, unknown>) => [a.name, a.official_name, a.mask, a.type, a.subtype])).toEqual([
      ['House Account', 'Joint House Checking', '4821', 'depository', 'checking'],
      ['Travel Card', null, '9911', 'credit', 'credit card'],
      ['Grad Loan', null, '7001', 'loan', 'student'],
      ['Home Loan', null, '5151', 'loan', 'mortgage'],
      ['Brokerage', null, '3003', 'investment', 'brokerage'],
    ]);
    expect(accounts[0].balances).toMatchObject({ current: 1250.5, available: 1000, iso_currency_code: 'USD' });
    expect(accounts[1].balances).toMatchObject({ current: 410.25, available: 4589.75, limit: 5000 });
    expect(accounts[2].balances.available).toBeNull();
    expect(accounts[4].balances.current).toBe(1750.5); // its holdings: 10 x 150 + 250.50 cash
  });

  it('gives exactly the configured transactions: posted on date_posted, pending while date_posted is ahead', async () => {
    const { access_token } = await customItem(config);
    const { pages } = await syncAll(emu, access_token);
    const added = pages.flatMap((p) => p.added);
    expect(added.map((t: Record<string, unknown>) => [t.name, t.amount, t.date, t.authorized_date, t.pending]).sort()).toEqual([
      ['Groceries', 54.3, day(2), day(3), false],
      ['Rent', 1200, day(39), day(40), false],
      ['Salary', -2500, day(10), day(10), false],
      ['Streaming (pending)', 9.99, day(1), day(1), true],
    ]);
  });

  it('an account without a transactions list gets generated history; the listed ones keep exactly theirs', async () => {
    const { access_token } = await customItem({ override_accounts: [
      { type: 'depository', subtype: 'checking', meta: { name: 'Busy', mask: '1000' } },
      { type: 'depository', subtype: 'savings', meta: { name: 'Quiet', mask: '2000' }, transactions: [{ date_transacted: day(5), date_posted: day(5), amount: -10, description: 'Interest' }] },
    ] }, ['transactions']);
    const { pages } = await syncAll(emu, access_token);
    const accounts = (await emu.plaid('/accounts/get', { access_token })).body.accounts;
    const added = pages.flatMap((p) => p.added);
    const quiet = added.filter((t: { account_id: string }) => t.account_id === accounts[1].account_id);
    expect(quiet.map((t: { name: string }) => t.name)).toEqual(['Interest']);
    expect(added.length).toBeGreaterThan(50);
  });

  it('gives the configured credit and student liabilities; a mortgage is not supported (null)', async () => {
    const { access_token } = await customItem(config);
    const r = await emu.plaid('/liabilities/get', { access_token });
    expect(r.status).toBe(200);
    const { credit, student, mortgage } = r.body.liabilities;
    expect(mortgage).toBeNull();
    expect(credit).toHaveLength(1);
    expect(credit[0]).toMatchObject({ is_overdue: true, last_payment_amount: 120, minimum_payment_amount: 35 });
    expect(credit[0].aprs.map((a: Record<string, unknown>) => [a.apr_type, a.apr_percentage])).toEqual([['purchase_apr', 19.99], ['cash_apr', 25.5]]);
    expect(student).toHaveLength(1);
    expect(student[0]).toMatchObject({ origination_date: '2019-09-01', origination_principal_amount: 24000, interest_rate_percentage: 4.5, guarantor: 'DEPT OF ED', loan_name: 'Grad PLUS' });
  });

  it('gives the configured holdings, securities and investment transactions', async () => {
    const { access_token } = await customItem(config);
    const h = (await emu.plaid('/investments/holdings/get', { access_token })).body;
    expect(h.holdings.map((x: Record<string, unknown>) => [x.quantity, x.institution_price, x.institution_value, x.cost_basis])).toEqual([[10, 150, 1500, 1200], [250.5, 1, 250.5, null]]);
    expect(h.securities.map((s: Record<string, unknown>) => [s.ticker_symbol, s.type]).sort()).toEqual([['AAPL', 'equity'], ['CUR:USD', 'cash']]);
    const t = (await emu.plaid('/investments/transactions/get', { access_token, start_date: day(365), end_date: day(0) })).body;
    expect(t.investment_transactions.map((x: Record<string, unknown>) => [x.name, x.type, x.quantity, x.price, x.fees, x.amount])).toEqual([['buy AAPL', 'buy', 2, 145, 1, 291]]);
  });

  it('refuses what Plaid refuses: not JSON, more than ten accounts; force_error fails the login with that code', async () => {
    const create = (password: string) => emu.plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'], options: { override_username: 'user_custom', override_password: password } });
    expect((await create('not json')).body.error_code).toBe('INVALID_CREDENTIALS');
    const eleven = { override_accounts: Array.from({ length: 11 }, () => ({ type: 'depository', subtype: 'checking' })) };
    expect((await create(JSON.stringify(eleven))).body.error_code).toBe('INVALID_CREDENTIALS');
    expect((await create(JSON.stringify({ force_error: 'ITEM_LOCKED' }))).body).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOCKED' });
    expect((await create(JSON.stringify({ force_error: 'INSTITUTION_NOT_RESPONDING' }))).body.error_code).toBe('INSTITUTION_NOT_RESPONDING');
    // An empty configuration links with (seeded) generated accounts and data.
    expect((await create('{}')).status).toBe(200);
  });

  it('asks for the device code in Link when mfa.type is device', async () => {
    const lt = await emu.plaid('/link/token/create', { client_name: 'App', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, products: ['transactions'] });
    const post = async (path: string, body: unknown) => (await fetch(`${emu.url}/__emulator/link/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json();
    const session = await post('session', { link_token: lt.body.link_token });
    const login = await post('login', { link_session_id: session.link_session_id, institution_id: 'ins_109508', username: 'user_custom', password: JSON.stringify({ mfa: { type: 'device' }, override_accounts: config.override_accounts.slice(0, 1) }) });
    expect(login.mfa).toMatchObject({ type: 'device' });
    const code = await post('login', { link_session_id: session.link_session_id, mfa_code: '1234' });
    expect(code.accounts.map((a: { name: string; mask: string }) => [a.name, a.mask])).toEqual([['House Account', '4821']]);
  });
});

describe('user_custom in Link', () => {
  it('shares only the accounts picked, with their own data', async () => {
    const lt = await emu.plaid('/link/token/create', { client_name: 'App', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, products: ['transactions', 'liabilities'] });
    const post = async (path: string, body: unknown) => (await fetch(`${emu.url}/__emulator/link/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json();
    const session = await post('session', { link_token: lt.body.link_token });
    const login = await post('login', { link_session_id: session.link_session_id, institution_id: 'ins_109508', username: 'user_custom', password: JSON.stringify(config) });
    expect(login.accounts.map((a: { mask: string }) => a.mask)).toEqual(['4821', '9911', '7001', '5151', '3003']);
    const done = await post('complete', { link_session_id: session.link_session_id, account_masks: ['4821', '9911'] });
    const { access_token } = (await emu.plaid('/item/public_token/exchange', { public_token: done.public_token })).body;
    expect((await emu.plaid('/accounts/get', { access_token })).body.accounts.map((a: { name: string }) => a.name)).toEqual(['House Account', 'Travel Card']);
    const liabilities = (await emu.plaid('/liabilities/get', { access_token })).body.liabilities;
    expect([liabilities.credit.length, liabilities.student, liabilities.mortgage]).toEqual([1, null, null]);
    const added = (await syncAll(emu, access_token)).pages.flatMap((p) => p.added);
    expect(added.map((t: { name: string }) => t.name).sort()).toEqual(['Groceries', 'Rent', 'Salary', 'Streaming (pending)']);
  });
});

describe('/sandbox/public_token/create options.transactions', () => {
  it('start_date/end_date bound the history; an end in the past has no pending transactions', async () => {
    const pt = await emu.plaid('/sandbox/public_token/create', {
      institution_id: 'ins_109508', initial_products: ['transactions'],
      options: { transactions: { start_date: day(60), end_date: day(30) } },
    });
    const { access_token } = (await emu.plaid('/item/public_token/exchange', { public_token: pt.body.public_token })).body;
    const added = (await syncAll(emu, access_token)).pages.flatMap((p) => p.added) as Array<{ date: string; pending: boolean }>;
    expect(added.length).toBeGreaterThan(20);
    expect(added.every((t) => t.date >= day(60) && t.date <= day(30))).toBe(true);
    expect(added.some((t) => t.pending)).toBe(false);
    expect(added.some((t) => t.date === day(30)) && added.some((t) => t.date <= day(58))).toBe(true);
    const backwards = await emu.plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'], options: { transactions: { start_date: day(10), end_date: day(20) } } });
    expect(backwards.body).toMatchObject({ error_code: 'INVALID_FIELD' });
  });
});
