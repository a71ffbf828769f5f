// Fault injection through the control API: Plaid errors for the next N calls (500, 429 with the
// endpoint's code, TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION at page K), added latency and hangs.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HEADERS, exchangeProblems, startTestEmulator, syncAll, type TestEmulator } from './support.ts';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 60, instantTransactions: 'this file injects faults into /transactions/sync pages, which needs the history there at once' });
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await emu.close();
});

describe('faults', () => {
  it('500 INTERNAL_SERVER_ERROR for the next N calls, then normal again', async () => {
    const { access_token } = await emu.newItem();
    const { fault } = await emu.control('POST', '/__emulator/faults', { endpoint: '/accounts/get', error_code: 'INTERNAL_SERVER_ERROR', count: 2 });
    expect(fault).toMatchObject({ endpoint: '/accounts/get', remaining: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await emu.plaid('/accounts/get', { access_token });
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
    }
    expect((await emu.plaid('/accounts/get', { access_token })).status).toBe(200);
    expect((await emu.control('GET', '/__emulator/faults')).faults).toEqual([]);
  });

  it('429 with the endpoint\'s own rate-limit code', async () => {
    const { access_token } = await emu.newItem();
    await emu.control('POST', '/__emulator/faults', { endpoint: '/transactions/sync', error_code: 'RATE_LIMIT_EXCEEDED' });
    await emu.control('POST', '/__emulator/faults', { endpoint: '/accounts/balance/get', error_code: 'RATE_LIMIT_EXCEEDED' });
    const sync = await emu.plaid('/transactions/sync', { access_token });
    expect(sync.status).toBe(429);
    expect(sync.body).toMatchObject({ error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'TRANSACTIONS_SYNC_LIMIT' });
    const bal = await emu.plaid('/accounts/balance/get', { access_token });
    expect(bal.body.error_code).toBe('BALANCE_LIMIT');
  });

  it('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION at page K only', async () => {
    const { access_token } = await emu.newItem();
    await emu.control('POST', '/__emulator/faults', { endpoint: '/transactions/sync', error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION', page: 3 });
    const p1 = await emu.plaid('/transactions/sync', { access_token, count: 10 });
    const p2 = await emu.plaid('/transactions/sync', { access_token, count: 10, cursor: p1.body.next_cursor });
    expect(p2.status).toBe(200);
    const p3 = await emu.plaid('/transactions/sync', { access_token, count: 10, cursor: p2.body.next_cursor });
    expect(p3.status).toBe(400);
    expect(p3.body.error_code).toBe('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION');
    // one-shot: restarting the loop succeeds
    const all = await syncAll(emu, access_token, '', 10);
    expect(all.pages.flatMap((p) => p.added)).toHaveLength(60);
  });

  it('only for one Item when item_id is given', async () => {
    const a = await emu.newItem();
    const b = await emu.newItem();
    await emu.control('POST', '/__emulator/faults', { endpoint: '/item/get', error_code: 'ITEM_LOGIN_REQUIRED', item_id: a.item_id, count: 5 });
    expect((await emu.plaid('/item/get', { access_token: b.access_token })).status).toBe(200);
    const r = await emu.plaid('/item/get', { access_token: a.access_token });
    expect(r.body).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' });
    await emu.control('DELETE', '/__emulator/faults');
    expect((await emu.plaid('/item/get', { access_token: a.access_token })).status).toBe(200);
  });

  it('adds latency: the answer is held until latency_ms have passed on the emulator\'s clock, then it is normal', async () => {
    const { access_token } = await emu.newItem();
    const { fault } = await emu.control('POST', '/__emulator/faults', { endpoint: '/item/get', latency_ms: 150 });
    // Only setTimeout is faked (the emulator waits with it): the test moves the clock itself, so the
    // delay is observed by what has been answered, not by measuring time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let answered = false;
      const call = emu.plaid('/item/get', { access_token }).then((r) => { answered = true; return r; });
      // The rule is taken when the request is handled: from then on the emulator is waiting. Polled
      // without vi.waitFor, which moves fake clocks by its interval on every check.
      while ((await emu.control('GET', '/__emulator/faults')).faults.some((f: { id: string }) => f.id === fault.id)) await new Promise((r) => setImmediate(r));
      await vi.advanceTimersByTimeAsync(149);
      // Meanwhile the emulator answers other calls: only the delayed one is held.
      expect((await emu.plaid('/accounts/get', { access_token })).status).toBe(200);
      expect(answered).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const r = await call;
      expect(r.status).toBe(200);
      expect(r.body.item.item_id).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('hangs past the client timeout without answering', async () => {
    const { access_token } = await emu.newItem();
    await emu.control('POST', '/__emulator/faults', { endpoint: '*', hang: true, hang_ms: 60_000 });
    const err = await fetch(emu.url + '/accounts/get', { method: 'POST', headers: HEADERS, body: JSON.stringify({ access_token }), signal: AbortSignal.timeout(200) }).then(() => null, (e: Error) => e);
    expect(err?.name).toBe('TimeoutError');
    // the rule was consumed; the next call answers
    expect((await emu.plaid('/accounts/get', { access_token })).status).toBe(200);
  });

  it('rejects malformed fault rules', async () => {
    const res = await fetch(emu.url + '/__emulator/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ endpoint: '/item/get', error_code: 'NOT_A_CODE' }) });
    expect(res.status).toBe(400);
    const page = await fetch(emu.url + '/__emulator/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ endpoint: '/item/get', error_code: 'INTERNAL_SERVER_ERROR', page: 2 }) });
    expect(page.status).toBe(400);
  });

  it('latency and hang at page K: the page is decided when the call arrives and delivered late, or never', async () => {
    const { access_token, item_id } = await emu.newItem();
    const p1 = await emu.plaid('/transactions/sync', { access_token, count: 10 });
    await emu.control('POST', '/__emulator/faults', { endpoint: '/transactions/sync', latency_ms: 300, page: 2 });
    const late = emu.plaid('/transactions/sync', { access_token, count: 10, cursor: p1.body.next_cursor });
    // Taken (the page is computed) before it is delivered: a change made meanwhile is not in it, and
    // the next page of the loop says the data changed.
    await vi.waitFor(async () => expect((await emu.control('GET', '/__emulator/faults')).faults).toEqual([]), { interval: 5, timeout: 5_000 });
    const { transactions: [mid] } = await emu.control('POST', `/__emulator/items/${item_id}/transactions`, { amount: 3.21, name: 'Meanwhile' });
    const p2 = await late;
    expect(p2.status).toBe(200);
    expect(p2.body.added.map((t: { transaction_id: string }) => t.transaction_id)).not.toContain(mid.transaction_id);
    expect((await emu.plaid('/transactions/sync', { access_token, count: 10, cursor: p2.body.next_cursor })).body.error_code).toBe('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION');
    // A hang at page 1 of the next loop: no answer at all, and the rule is used up.
    await emu.control('POST', '/__emulator/faults', { endpoint: '/transactions/sync', hang: true, hang_ms: 60_000, page: 1 });
    const err = await fetch(emu.url + '/transactions/sync', { method: 'POST', headers: HEADERS, body: JSON.stringify({ access_token, count: 10 }), signal: AbortSignal.timeout(200) }).then(() => null, (e: Error) => e);
    expect(err?.name).toBe('TimeoutError');
    expect((await emu.plaid('/transactions/sync', { access_token, count: 10 })).status).toBe(200);
  });
});
