// The shared Plaid client: retries only what is transient, times out, types errors, logs one line per
// call with request_id and never a secret. Runs in Node (the module is runtime-neutral).
import { describe, expect, it } from 'vitest';
import { PlaidClient } from '../../supabase/functions/_shared/plaid/client.ts';
import { plaidConfigFrom } from '../../supabase/functions/_shared/plaid/config.ts';
import { PlaidApiError, PlaidTransportError } from '../../supabase/functions/_shared/plaid/errors.ts';
import { createLogger } from '../../supabase/functions/_shared/log.ts';

const secret = 'plaid-secret-value-123456';
const cfg = plaidConfigFrom({ PLAID_CLIENT_ID: 'client-abc', PLAID_SECRET: secret, PLAID_BASE_URL: 'http://plaid.test', PLAID_TIMEOUT_MS: '200' });

const plaidError = (code: string, type: string, status: number) => new Response(JSON.stringify({
  error_type: type, error_code: code, error_message: `message for ${code}`, display_message: null,
  request_id: `req-${code}`, causes: [], status, documentation_url: 'https://plaid.com/docs', suggested_action: null,
}), { status, headers: { 'content-type': 'application/json' } });

function harness(responses: Array<() => Response | Promise<Response>>) {
  const lines: string[] = [];
  const calls: Array<{ url: string; headers: Headers; body: string }> = [];
  const sleeps: number[] = [];
  const client = new PlaidClient(cfg, createLogger({ fn: 'test' }, (l) => lines.push(l)), {
    fetch: async (url, init) => {
      calls.push({ url: String(url), headers: new Headers(init?.headers), body: String(init?.body) });
      const next = responses.shift();
      if (!next) throw new Error('no more responses');
      return await next();
    },
    sleep: async (ms) => { sleeps.push(ms); },
    random: () => 0.5,
  });
  return { client, lines, calls, sleeps };
}

describe('PlaidClient', () => {
  it('sends credentials and the API version as headers, never in the logged line', async () => {
    const h = harness([() => Response.json({ item: {}, request_id: 'req-ok' })]);
    await h.client.call('/item/get', { access_token: 'access-sandbox-0123456789abcdef' }, { itemId: 'item-1' });
    expect(h.calls[0].url).toBe('http://plaid.test/item/get');
    expect(h.calls[0].headers.get('PLAID-CLIENT-ID')).toBe('client-abc');
    expect(h.calls[0].headers.get('PLAID-SECRET')).toBe(secret);
    expect(h.calls[0].headers.get('Plaid-Version')).toBe('2020-09-14');
    expect(h.lines).toHaveLength(1);
    const line = JSON.parse(h.lines[0]);
    expect(line).toMatchObject({ msg: 'plaid_call', fn: 'test', endpoint: '/item/get', item: 'item-1', request_id: 'req-ok', outcome: 'ok' });
    expect(h.lines[0]).not.toContain(secret);
    expect(h.lines[0]).not.toContain('access-sandbox');
  });

  it('retries 429, 5xx and INSTITUTION_DOWN with jittered backoff, then succeeds', async () => {
    const h = harness([
      () => plaidError('TRANSACTIONS_SYNC_LIMIT', 'RATE_LIMIT_EXCEEDED', 429),
      () => plaidError('INTERNAL_SERVER_ERROR', 'API_ERROR', 500),
      () => Response.json({ request_id: 'req-3', added: [] }),
    ]);
    const res = await h.client.call('/transactions/sync', { access_token: 'x', count: 500 });
    expect(res.request_id).toBe('req-3');
    expect(h.calls).toHaveLength(3);
    expect(h.sleeps).toEqual([125, 250]);
    expect(h.lines.map((l) => JSON.parse(l).outcome)).toEqual(['retry', 'retry', 'ok']);
    expect(JSON.parse(h.lines[0]).request_id).toBe('req-TRANSACTIONS_SYNC_LIMIT');
  });

  it('gives up after the configured retries with a typed error carrying error_code and request_id', async () => {
    const h = harness([0, 1, 2].map(() => () => plaidError('INSTITUTION_DOWN', 'INSTITUTION_ERROR', 400)));
    const err = await h.client.call('/accounts/get', { access_token: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(PlaidApiError);
    expect(err).toMatchObject({ errorCode: 'INSTITUTION_DOWN', requestId: 'req-INSTITUTION_DOWN', status: 400 });
    expect(h.calls).toHaveLength(3);
  });

  it('does not retry item errors such as ITEM_LOGIN_REQUIRED', async () => {
    const h = harness([() => plaidError('ITEM_LOGIN_REQUIRED', 'ITEM_ERROR', 400)]);
    const err = await h.client.call('/transactions/sync', { access_token: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(PlaidApiError);
    expect(err.errorCode).toBe('ITEM_LOGIN_REQUIRED');
    expect(h.calls).toHaveLength(1);
  });

  it('times out a call that hangs and reports it as a transport error', async () => {
    const h = harness([0, 1, 2].map(() => () => new Promise<Response>(() => {})));
    const client = new PlaidClient(cfg, createLogger({}, () => {}), {
      fetch: (_url, init) => new Promise((_res, rej) => init?.signal?.addEventListener('abort', () => rej(init.signal!.reason))),
      sleep: async () => {},
    });
    const err = await client.call('/item/get', { access_token: 'x' }, { retry: false }).catch((e) => e);
    expect(err).toBeInstanceOf(PlaidTransportError);
    expect(err.timedOut).toBe(true);
    expect(h.calls).toHaveLength(0);
  });

  it('never retries a call marked retry: false (e.g. a public token exchange)', async () => {
    const h = harness([() => plaidError('INTERNAL_SERVER_ERROR', 'API_ERROR', 500)]);
    await expect(h.client.call('/item/public_token/exchange', { public_token: 'p' }, { retry: false })).rejects.toBeInstanceOf(PlaidApiError);
    expect(h.calls).toHaveLength(1);
  });

  it('refuses a configuration without credentials', () => {
    expect(() => plaidConfigFrom({ PLAID_ENV: 'sandbox' })).toThrow(/PLAID_CLIENT_ID/);
    expect(plaidConfigFrom({ PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', PLAID_ENV: 'production' }).baseUrl).toBe('https://production.plaid.com');
  });

  it('cuts an attempt\'s timeout to the deadline and starts no retry past it', async () => {
    let clock = 1_000_000;
    const seen: number[] = [];
    const lines: string[] = [];
    const client = new PlaidClient(cfg, createLogger({ fn: 'test' }, (l) => lines.push(l)), {
      // A Plaid that never answers: the call ends only when its timeout signal fires.
      fetch: (_url, init) => new Promise((_resolve, reject) => {
        seen.push(clock);
        init!.signal!.addEventListener('abort', () => { clock += 40; reject(Object.assign(new Error('aborted'), { name: 'TimeoutError' })); });
      }),
      sleep: async (ms) => { clock += ms; },
      random: () => 0.5,
      clock: () => clock,
    });
    // 200 ms per attempt and 2 retries would be ~600 ms; the deadline leaves 50 ms.
    const err = await client.call('/item/get', { access_token: 'access-sandbox-0123456789abcdef' }, { deadline: clock + 50 }).catch((e) => e);
    expect(err).toBeInstanceOf(PlaidTransportError);
    expect(err.timedOut).toBe(true);
    expect(seen).toHaveLength(1); // the 40 ms attempt left 10 ms: too little for a backoff and another try
    const err2 = await client.call('/item/get', { access_token: 'access-sandbox-0123456789abcdef' }, { deadline: clock - 1 }).catch((e) => e);
    expect(err2.message).toMatch(/no time left/);
    expect(seen).toHaveLength(1); // past the deadline Plaid is not called at all
  });
});

describe('log redaction', () => {
  it('redacts Plaid tokens and Supabase secret keys that slip into a log line', () => {
    const lines: string[] = [];
    createLogger({}, (l) => lines.push(l)).info('oops', { token: 'access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6', key: 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz' });
    expect(lines[0]).not.toMatch(/de3ce8ef|N7UND0Ug/);
  });
});
