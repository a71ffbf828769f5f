// Plaid's Sandbox rate limits (per Item and per client, per minute, with each endpoint's 429 code) and
// time at the bank: the emulator's clock moves forward on request, Sandbox Items need a new login after
// 30 days, and a minute later the rate limits have room again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeProblems, startTestEmulator, webhookReceiver, code, type TestEmulator } from './support.ts';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 10, transactionsReadyDelayMs: 20 });
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await emu.close();
});

describe('rate limits', () => {
  it('/transactions/refresh: 2 a minute per Item, then 429 TRANSACTIONS_REFRESH_LIMIT; another Item is not affected', async () => {
    const a = await emu.newItem();
    const b = await emu.newItem();
    for (let i = 0; i < 2; i++) expect((await emu.plaid('/transactions/refresh', { access_token: a.access_token })).status).toBe(200);
    const third = await emu.plaid('/transactions/refresh', { access_token: a.access_token });
    expect(third).toMatchObject({ status: 429, body: { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'TRANSACTIONS_REFRESH_LIMIT', error_message: 'rate limit exceeded for attempts to access this item. please try again later' } });
    expect((await emu.plaid('/transactions/refresh', { access_token: b.access_token })).status).toBe(200);
  });

  it('/accounts/balance/get: 25 per Item (BALANCE_LIMIT) and 100 per client (ACCOUNTS_BALANCE_GET_LIMIT) a minute', async () => {
    const local = await startTestEmulator({ historySize: 5, instantTransactions: 'this test counts balance calls, not transactions readiness' });
    try {
      const items = await Promise.all(Array.from({ length: 5 }, () => local.newItem()));
      const statuses: Record<string, number> = {};
      for (const [n, item] of items.entries()) {
        for (let i = 0; i < 26; i++) {
          const r = await local.plaid('/accounts/balance/get', { access_token: item.access_token });
          const key = r.status === 200 ? 'ok' : r.body.error_code;
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (n < 3 && i === 25) expect(r.body.error_code).toBe('BALANCE_LIMIT');
        }
      }
      // 3 Items x 25 + 25 more: the client's 100 are used up; the rest are refused per Item or per client.
      expect(statuses).toEqual({ ok: 100, BALANCE_LIMIT: 4, ACCOUNTS_BALANCE_GET_LIMIT: 26 });
      // A minute later (on the emulator's clock) there is room again.
      await local.control('POST', '/__emulator/clock', { advance_ms: 60_000 });
      expect((await local.plaid('/accounts/balance/get', { access_token: items[0].access_token })).status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('per-client limits can be raised (client_rate_limits, as the benchmarks do); per-Item ones stay', async () => {
    const local = await startTestEmulator({ historySize: 5, instantTransactions: 'this test counts calls, not readiness', clientRateLimits: { '/sandbox/transactions/create': 1 } });
    try {
      const opts = { options: { override_username: 'user_transactions_dynamic', override_password: 'x' } };
      const [a, b] = [await local.newItem(opts), await local.newItem(opts)];
      const tx = { date_transacted: new Date().toISOString().slice(0, 10), date_posted: new Date().toISOString().slice(0, 10), amount: 1, description: 'x' };
      expect((await local.plaid('/sandbox/transactions/create', { access_token: a.access_token, transactions: [tx] })).status).toBe(200);
      expect((await local.plaid('/sandbox/transactions/create', { access_token: b.access_token, transactions: [tx] })).body.error_code).toBe('RATE_LIMIT');
      const cfg = await local.control('POST', '/__emulator/config', { client_rate_limits: { '/sandbox/transactions/create': 1000 } });
      expect(cfg.client_rate_limits).toEqual({ '/sandbox/transactions/create': 1000 });
      expect((await local.plaid('/sandbox/transactions/create', { access_token: b.access_token, transactions: [tx] })).status).toBe(200);
      // Per Item: 2 a minute, whatever the client's limit.
      expect((await local.plaid('/sandbox/transactions/create', { access_token: a.access_token, transactions: [tx] })).status).toBe(200);
      expect((await local.plaid('/sandbox/transactions/create', { access_token: a.access_token, transactions: [tx] })).body.error_code).toBe('RATE_LIMIT');
      for (const bad of [{ client_rate_limits: { '/link/token/create': 5 } }, { client_rate_limits: { '/transactions/sync': 0 } }, { leniency: { no_item_rate_limits: 'x' } }]) {
        const res = await fetch(`${local.url}/__emulator/config`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(bad) });
        expect(res.status).toBe(400);
      }
    } finally {
      await local.close();
    }
  });

  it('/transactions/sync: 50 per Item a minute (TRANSACTIONS_SYNC_LIMIT)', async () => {
    const { access_token } = await emu.newItem();
    const codes = [];
    for (let i = 0; i < 51; i++) codes.push((await emu.plaid('/transactions/sync', { access_token, count: 1 })).body.error_code ?? 'ok');
    expect(codes.filter((c) => c === 'ok')).toHaveLength(50);
    expect(codes.at(-1)).toBe('TRANSACTIONS_SYNC_LIMIT');
  });
});

describe('time at the bank', () => {
  it('a Sandbox Item needs a new login after 30 days: ITEM_LOGIN_REQUIRED with ITEM: ERROR; update mode gives it another 30', async () => {
    const hook = await webhookReceiver();
    const local = await startTestEmulator({ historySize: 5, transactionsReadyDelayMs: 20 });
    try {
      const { access_token, item_id } = await local.newItem({ options: { webhook: hook.url } });
      await local.control('POST', '/__emulator/clock', { advance_ms: 29 * 86_400_000 });
      expect((await local.plaid('/accounts/get', { access_token })).status).toBe(200);
      const clock = await local.control('POST', '/__emulator/clock', { advance_ms: 86_400_000 });
      expect(clock.offset_ms).toBe(30 * 86_400_000);
      const err = await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'ERROR');
      expect(err.body.error).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED', status: 400 });
      expect((await local.plaid('/accounts/get', { access_token })).body.error_code).toBe('ITEM_LOGIN_REQUIRED');
      expect((await local.plaid('/item/get', { access_token })).body.item.error.error_code).toBe('ITEM_LOGIN_REQUIRED');
      // Repaired (as update mode would): good for another 30 days from now.
      await local.control('POST', `/__emulator/items/${item_id}/login-repaired`);
      await hook.next(code('LOGIN_REPAIRED'));
      await local.control('POST', '/__emulator/clock', { advance_ms: 29 * 86_400_000 });
      expect((await local.plaid('/accounts/get', { access_token })).status).toBe(200);
      // Time only moves forward.
      const back = await fetch(`${local.url}/__emulator/clock`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ advance_ms: -1 }) });
      expect(back.status).toBe(400);
      expect(local.exchanges.flatMap(exchangeProblems)).toEqual([]);
    } finally {
      await local.close();
      await hook.close();
    }
  });

  it('the check also runs on access: an Item created before the clock moved is expired on its next call', async () => {
    const local = await startTestEmulator({ historySize: 5, transactionsReadyDelayMs: 20, clock: () => Date.now() });
    try {
      const { access_token, item_id } = await local.newItem();
      local.state.clockOffsetMs += 31 * 86_400_000; // time passed without a clock call
      expect((await local.plaid('/item/get', { access_token })).body.item.error.error_code).toBe('ITEM_LOGIN_REQUIRED');
      expect((await local.control('GET', `/__emulator/items/${item_id}`)).error.error_code).toBe('ITEM_LOGIN_REQUIRED');
    } finally {
      await local.close();
    }
  });
});
