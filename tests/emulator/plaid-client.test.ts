// Acceptance: the official `plaid` npm client (PlaidApi with basePath at the emulator) goes through
// sandbox public token -> exchange -> all sync pages -> balance -> liabilities -> holdings ->
// investment transactions -> fire webhook -> remove, with no runtime error (and `tsc -b` type-checks this
// file against the client's types).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Configuration, PlaidApi, Products, WebhookType, SandboxItemFireWebhookRequestWebhookCodeEnum, type Transaction, type RemovedTransaction, type PlaidError } from 'plaid';
import { CLIENT_ID, SECRET, exchangeProblems, startTestEmulator, webhookReceiver, webhookProblems, code, type TestEmulator } from './support.ts';

let emu: TestEmulator;
let hook: Awaited<ReturnType<typeof webhookReceiver>>;
let client: PlaidApi;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 1200, transactionsReadyDelayMs: 100 });
  hook = await webhookReceiver();
  client = new PlaidApi(new Configuration({
    basePath: emu.url,
    baseOptions: { headers: { 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET, 'Plaid-Version': '2020-09-14' } },
  }));
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  expect(hook.received.flatMap((r) => webhookProblems(r.body))).toEqual([]);
  await emu.close();
  await hook.close();
});

describe('official plaid client', () => {
  it('runs the whole Item lifecycle', async () => {
    const pt = await client.sandboxPublicTokenCreate({
      institution_id: 'ins_109508',
      initial_products: [Products.Transactions, Products.Liabilities, Products.Investments],
      options: { webhook: hook.url },
    });
    const ex = await client.itemPublicTokenExchange({ public_token: pt.data.public_token });
    const accessToken = ex.data.access_token;
    expect(ex.data.item_id).toHaveLength(37);

    // As Plaid documents: the first sync usually has nothing yet and turns on SYNC_UPDATES_AVAILABLE,
    // which says when the full history is there.
    const first = await client.transactionsSync({ access_token: accessToken });
    expect(first.data).toMatchObject({ transactions_update_status: 'NOT_READY', added: [], next_cursor: '', has_more: false });
    await hook.next((r) => r.body.webhook_code === 'SYNC_UPDATES_AVAILABLE' && r.body.historical_update_complete === true);

    const added: Transaction[] = [];
    const modified: Transaction[] = [];
    const removed: RemovedTransaction[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (let hasMore = true; hasMore; pages++) {
      const r = await client.transactionsSync({ access_token: accessToken, cursor, count: 500 });
      added.push(...r.data.added);
      modified.push(...r.data.modified);
      removed.push(...r.data.removed);
      hasMore = r.data.has_more;
      cursor = r.data.next_cursor;
    }
    expect(pages).toBe(3);
    expect(added).toHaveLength(1200);
    expect(new Set(added.map((t) => t.transaction_id)).size).toBe(1200);
    expect(modified).toEqual([]);
    expect(removed).toEqual([]);

    const bal = await client.accountsBalanceGet({ access_token: accessToken });
    expect(bal.data.accounts.map((a) => a.mask)).toEqual(['0000', '1111', '2222', '3333', '4444', '5555', '6666', '7777', '8888', '9001', '9002']);
    expect(bal.data.item.institution_id).toBe('ins_109508');

    const liab = await client.liabilitiesGet({ access_token: accessToken });
    const card = bal.data.accounts.find((a) => a.subtype === 'credit card')!;
    const credit = liab.data.liabilities.credit![0];
    expect(credit.account_id).toBe(card.account_id);
    expect(credit.aprs.find((a) => a.apr_type === 'purchase_apr')?.balance_subject_to_apr).toBe(card.balances.current);
    expect(liab.data.liabilities.mortgage).toHaveLength(1);
    expect(liab.data.liabilities.student).toHaveLength(1);

    const holdings = await client.investmentsHoldingsGet({ access_token: accessToken });
    expect(holdings.data.accounts.map((a) => a.subtype).sort()).toEqual(['401k', 'ira']);
    for (const acct of holdings.data.accounts) {
      const total = holdings.data.holdings.filter((h) => h.account_id === acct.account_id).reduce((s, h) => s + h.institution_value, 0);
      expect(acct.balances.current).toBeCloseTo(total, 2);
    }
    const secIds = new Set(holdings.data.securities.map((s) => s.security_id));
    expect(holdings.data.holdings.every((h) => secIds.has(h.security_id))).toBe(true);

    const invTx = await client.investmentsTransactionsGet({ access_token: accessToken, start_date: '2000-01-01', end_date: '2100-12-31', options: { count: 50, offset: 10 } });
    expect(invTx.data.investment_transactions).toHaveLength(50);
    expect(invTx.data.total_investment_transactions).toBeGreaterThan(60);
    const dates = invTx.data.investment_transactions.map((t) => t.date);
    expect([...dates].sort().reverse()).toEqual(dates);

    const fired = await client.sandboxItemFireWebhook({
      access_token: accessToken,
      webhook_type: WebhookType.Holdings,
      webhook_code: SandboxItemFireWebhookRequestWebhookCodeEnum.DefaultUpdate,
    });
    expect(fired.data.webhook_fired).toBe(true);
    const delivered = await hook.next((r) => r.body.webhook_type === 'HOLDINGS');
    expect(delivered.body).toMatchObject({ webhook_code: 'DEFAULT_UPDATE', item_id: ex.data.item_id, environment: 'sandbox' });

    await client.itemRemove({ access_token: accessToken });
    const err = await client.accountsGet({ access_token: accessToken }).then(() => null, (e: { response?: { status: number; data: PlaidError } }) => e.response);
    expect(err?.status).toBe(400);
    expect(err?.data.error_code).toBe('ITEM_NOT_FOUND');
    await hook.next(code('HISTORICAL_UPDATE'));
  });
});
