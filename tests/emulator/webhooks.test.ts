// Webhooks: signed exactly as Plaid signs them (verified here with jose against the served key), key
// rotation, when SYNC_UPDATES_AVAILABLE fires, delivery records, and Plaid's payloads for each code.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { exchangeProblems, startTestEmulator, webhookReceiver, webhookProblems, code, type Received, type TestEmulator } from './support.ts';

let emu: TestEmulator;
let hook: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 50, instantTransactions: 'this file tests webhook signatures, payloads and delivery; the readiness webhooks have their own test in transactions-sync.test.ts' });
  hook = await webhookReceiver();
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  expect(hook.received.flatMap((r) => webhookProblems(r.body))).toEqual([]);
  await emu.close();
  await hook.close();
});

/** Plaid's documented verification steps, with jose as the independent JWT library. */
async function verify(r: Received): Promise<{ kid: string; iat: number }> {
  const token = String(r.headers['plaid-verification']);
  const header = decodeProtectedHeader(token);
  expect(header.alg).toBe('ES256');
  expect(header.typ).toBe('JWT');
  const keyRes = await emu.plaid('/webhook_verification_key/get', { key_id: header.kid });
  expect(keyRes.status).toBe(200);
  const jwk = keyRes.body.key;
  expect(jwk).toMatchObject({ alg: 'ES256', crv: 'P-256', kty: 'EC', use: 'sig', kid: header.kid });
  const key = await importJWK(jwk, 'ES256');
  const { payload } = await jwtVerify(token, key, { maxTokenAge: '5 min', algorithms: ['ES256'] });
  const digest = createHash('sha256').update(r.raw).digest('hex');
  const claimed = String(payload.request_body_sha256);
  expect(claimed.length).toBe(digest.length);
  expect(timingSafeEqual(Buffer.from(claimed), Buffer.from(digest))).toBe(true);
  // The body is 2-space indented JSON, so re-serializing with another format would break the hash.
  expect(r.raw).toBe(JSON.stringify(r.body, null, 2));
  return { kid: String(header.kid), iat: Number(payload.iat) };
}

describe('signatures', () => {
  it('verify with jose against /webhook_verification_key/get, and survive key rotation', async () => {
    const { access_token } = await emu.newItem({ options: { webhook: hook.url } });
    await emu.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    const first = await verify(await hook.next(code('NEW_ACCOUNTS_AVAILABLE')));
    expect(Math.abs(first.iat - Date.now() / 1000)).toBeLessThan(60);

    const rot = await emu.control('POST', '/__emulator/webhook-keys/rotate', { grace_ms: 3_600_000 });
    expect(rot.previous_kid).toBe(first.kid);
    await emu.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'LOGIN_REPAIRED' });
    const second = await verify(await hook.next(code('LOGIN_REPAIRED')));
    expect(second.kid).toBe(rot.kid);
    expect(second.kid).not.toBe(first.kid);
    // The old key is still served, with its expiry, so webhooks signed before the rotation still verify.
    const old = await emu.plaid('/webhook_verification_key/get', { key_id: first.kid });
    expect(old.body.key.expired_at).toBeGreaterThan(Date.now() / 1000);
    expect((await emu.plaid('/webhook_verification_key/get', { key_id: second.kid })).body.key.expired_at).toBeNull();
    const replay = hook.received.find((r) => r.body.webhook_code === 'NEW_ACCOUNTS_AVAILABLE')!;
    await verify(replay);
  });

  it('a tampered body fails verification', async () => {
    const { access_token } = await emu.newItem({ options: { webhook: hook.url } });
    await emu.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'PENDING_DISCONNECT' });
    const r = await hook.next(code('PENDING_DISCONNECT'));
    const tampered = { ...r, raw: r.raw.replace('"sandbox"', '"production"'), body: { ...r.body, environment: 'production' } };
    await expect(verify(tampered)).rejects.toThrow();
  });
});

describe('when webhooks fire', () => {
  it('SYNC_UPDATES_AVAILABLE fires on changes only after /transactions/sync was called once', async () => {
    const { access_token, item_id } = await emu.newItem({ options: { webhook: hook.url } });
    await emu.control('POST', `/__emulator/items/${item_id}/transactions`, { amount: 1 });
    // not activated yet: only Plaid's legacy DEFAULT_UPDATE went out
    await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'DEFAULT_UPDATE');
    expect(hook.received.some((r) => r.body.item_id === item_id && r.body.webhook_code === 'SYNC_UPDATES_AVAILABLE')).toBe(false);
    await emu.plaid('/transactions/sync', { access_token });
    await emu.control('POST', `/__emulator/items/${item_id}/transactions`, { amount: 2 });
    const w = await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'SYNC_UPDATES_AVAILABLE');
    expect(w.body).toEqual({
      webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id,
      initial_update_complete: true, historical_update_complete: true, environment: 'sandbox',
    });
    const item = await emu.control('GET', `/__emulator/items/${item_id}`);
    expect(item.status.last_webhook.code_sent).toMatch(/SYNC_UPDATES_AVAILABLE|DEFAULT_UPDATE/);
  });

  it('reset_login sends ITEM: ERROR with ITEM_LOGIN_REQUIRED; a control repair sends LOGIN_REPAIRED', async () => {
    const { access_token, item_id } = await emu.newItem({ options: { webhook: hook.url } });
    expect((await emu.plaid('/sandbox/item/reset_login', { access_token })).body.reset_login).toBe(true);
    const err = await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'ERROR');
    expect(err.body.webhook_type).toBe('ITEM');
    expect(err.body.error).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', status: 400 });
    expect(err.body.error.request_id).toBeUndefined();
    await emu.control('POST', `/__emulator/items/${item_id}/login-repaired`);
    await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'LOGIN_REPAIRED');
    expect((await emu.plaid('/accounts/get', { access_token })).status).toBe(200);
  });

  it('/item/webhook/update acknowledges at the new URL; fire_webhook needs a webhook and the product', async () => {
    const other = await webhookReceiver();
    try {
      const { access_token, item_id } = await emu.newItem();
      expect((await emu.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' })).body.error_code).toBe('SANDBOX_WEBHOOK_INVALID');
      const upd = await emu.plaid('/item/webhook/update', { access_token, webhook: other.url });
      expect(upd.body.item.webhook).toBe(other.url);
      const ack = await other.next(code('WEBHOOK_UPDATE_ACKNOWLEDGED'));
      expect(ack.body).toMatchObject({ item_id, new_webhook_url: other.url, error: null });
      expect(webhookProblems(ack.body)).toEqual([]);
      const noProduct = await emu.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'DEFAULT_UPDATE', webhook_type: 'LIABILITIES' });
      expect(noProduct.body.error_code).toBe('SANDBOX_PRODUCT_NOT_ENABLED');
    } finally {
      await other.close();
    }
  });

  it('sends Plaid payloads for every code the control API and the sandbox can fire', async () => {
    const { access_token, item_id } = await emu.newItem({ products: ['transactions', 'liabilities', 'investments'], options: { webhook: hook.url } });
    const fired: Array<[string, string]> = [
      ['ITEM', 'PENDING_EXPIRATION'], ['ITEM', 'NEW_ACCOUNTS_AVAILABLE'], ['ITEM', 'USER_PERMISSION_REVOKED'], ['ITEM', 'USER_ACCOUNT_REVOKED'],
      ['HOLDINGS', 'DEFAULT_UPDATE'], ['INVESTMENTS_TRANSACTIONS', 'DEFAULT_UPDATE'], ['LIABILITIES', 'DEFAULT_UPDATE'],
      ['TRANSACTIONS', 'RECURRING_TRANSACTIONS_UPDATE'],
    ];
    for (const [type, c] of fired) await emu.control('POST', `/__emulator/items/${item_id}/webhooks`, { webhook_type: type, webhook_code: c });
    await emu.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'DEFAULT_UPDATE', webhook_type: 'INVESTMENTS_TRANSACTIONS' });
    for (const [type, c] of fired) {
      const r = await hook.next((x) => x.body.item_id === item_id && x.body.webhook_type === type && x.body.webhook_code === c);
      expect(webhookProblems(r.body), `${type}:${c}`).toEqual([]);
    }
    const deliveries = (await emu.control('GET', `/__emulator/webhooks?item_id=${item_id}`)).deliveries;
    await emu.waitForWebhook((d) => d.item_id === item_id && d.webhook_type === 'INVESTMENTS_TRANSACTIONS' && d.status !== 'pending');
    expect(deliveries.length).toBeGreaterThanOrEqual(fired.length);
  });
});

describe('delivery records and modes', () => {
  it('retries a non-2xx answer six times, 4x apart from the base (Plaid: 30 s ... 8.5 h, within 24 h), then records the failure; suppresses in mode off', async () => {
    const failing = await webhookReceiver(500);
    const local = await startTestEmulator({
      instantTransactions: 'this test counts delivery attempts, not readiness',
      exactWebhookDelivery: 'this test counts delivery attempts, so none may be duplicated',
      webhookRetryBaseMs: 1,
    });
    try {
      const { access_token, item_id } = await local.newItem({ options: { webhook: failing.url } });
      await local.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'LOGIN_REPAIRED' });
      const d = await local.waitForWebhook((x) => x.item_id === item_id && x.webhook_code === 'LOGIN_REPAIRED');
      expect(d).toMatchObject({ status: 'failed', http_status: 500, attempts: 7, duplicate_of: null, held_ms: 0 });
      expect(failing.received.filter((r) => r.body.webhook_code === 'LOGIN_REPAIRED')).toHaveLength(7);

      await local.control('POST', '/__emulator/config', { webhook_mode: 'off' });
      await local.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
      const s = await local.waitForWebhook((x) => x.webhook_code === 'NEW_ACCOUNTS_AVAILABLE');
      expect(s.status).toBe('suppressed');
      expect(failing.received.some((r) => r.body.webhook_code === 'NEW_ACCOUNTS_AVAILABLE')).toBe(false);
      const list = await local.control('GET', '/__emulator/webhooks');
      expect(list.deliveries.map((x: { status: string }) => x.status)).toContain('suppressed');
      expect(local.exchanges.flatMap(exchangeProblems)).toEqual([]);
    } finally {
      await local.close();
      await failing.close();
    }
  });

  it('counts any 2xx as delivered and retries a failure until the receiver recovers', async () => {
    // The first NEW_ACCOUNTS_AVAILABLE is refused with a 503, later ones get a 204.
    let answer = 503;
    const received: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        if (JSON.parse(Buffer.concat(chunks).toString()).webhook_code !== 'NEW_ACCOUNTS_AVAILABLE') return void res.writeHead(200).end();
        received.push(String(answer));
        res.writeHead(answer).end();
        answer = 204;
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    const local = await startTestEmulator({ instantTransactions: 'this test checks delivery outcomes, not readiness', exactWebhookDelivery: 'this test counts attempts', webhookRetryBaseMs: 5 });
    try {
      const { access_token, item_id } = await local.newItem({ options: { webhook: url } });
      await local.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
      const d = await local.waitForWebhook((x) => x.item_id === item_id && x.webhook_code === 'NEW_ACCOUNTS_AVAILABLE');
      expect(d).toMatchObject({ status: 'delivered', http_status: 204, attempts: 2 });
      expect(received).toEqual(['503', '204']);
    } finally {
      await local.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('retries a delivery the receiver does not answer within the timeout (Plaid: 10 s)', async () => {
    let calls = 0;
    const server = createServer((req, res) => {
      req.resume();
      // The first delivery is never answered; the retry is.
      if (++calls > 1) req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    const local = await startTestEmulator({ exactWebhookDelivery: 'this test counts attempts', webhookTimeoutMs: 200, webhookRetryBaseMs: 5 });
    try {
      const { access_token, item_id } = await local.newItem({ products: ['liabilities'], options: { webhook: url } });
      await local.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
      const d = await local.waitForWebhook((x) => x.item_id === item_id && x.webhook_code === 'NEW_ACCOUNTS_AVAILABLE');
      expect(d).toMatchObject({ status: 'delivered', http_status: 200, attempts: 2 });
    } finally {
      await local.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('duplicates and reorders deliveries at the configured (seeded) rates', async () => {
    const sink = await webhookReceiver();
    const local = await startTestEmulator({ instantTransactions: 'this test checks delivery order, not readiness', webhookDuplicateRate: 1, webhookReorderRate: 0, webhookReorderDelayMs: 50 });
    try {
      const { access_token, item_id } = await local.newItem({ options: { webhook: sink.url } });
      await local.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
      await local.waitForWebhook((x) => x.item_id === item_id && x.duplicate_of !== null && x.status === 'delivered');
      // The receiver's view decides (under load the emulator's record can come before the sink's).
      const copies = await (async () => {
        for (const until = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 20))) {
          const got = sink.received.filter((r) => r.body.webhook_code === 'NEW_ACCOUNTS_AVAILABLE' && r.body.item_id === item_id);
          if (got.length >= 2 || Date.now() > until) return got;
        }
      })();
      expect(copies).toHaveLength(2);
      expect(copies[0].raw).toBe(copies[1].raw); // the same body: a receiver must take it once

      // Every webhook held back but the last: the later one overtakes the earlier.
      await local.control('POST', '/__emulator/config', { webhook_duplicate_rate: 0, webhook_reorder_rate: 1, webhook_reorder_delay_ms: 300 });
      await local.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'PENDING_DISCONNECT' });
      await local.control('POST', '/__emulator/config', { webhook_reorder_rate: 0 });
      await local.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'LOGIN_REPAIRED' });
      await sink.next(code('PENDING_DISCONNECT'));
      const order = sink.received.map((r) => r.body.webhook_code).filter((c) => c === 'PENDING_DISCONNECT' || c === 'LOGIN_REPAIRED');
      expect(order).toEqual(['LOGIN_REPAIRED', 'PENDING_DISCONNECT']);
      const held = (await local.control('GET', `/__emulator/webhooks?item_id=${item_id}`)).deliveries.find((x: { webhook_code: string }) => x.webhook_code === 'PENDING_DISCONNECT');
      expect(held.held_ms).toBe(300);
    } finally {
      await local.close();
      await sink.close();
    }
  });

  it('chooses the same deliveries to duplicate for the same seed and Item history', async () => {
    const runs: boolean[][] = []; // per original delivery: [duplicated, held back]
    for (let i = 0; i < 2; i++) {
      const local = await startTestEmulator({ instantTransactions: 'this test compares delivery choices, not readiness', webhookDuplicateRate: 0.3, webhookReorderRate: 0.3, webhookReorderDelayMs: 1, webhookDelayMs: 60_000 });
      try {
        const sink = 'http://127.0.0.1:9/never';
        const { access_token } = await local.newItem({ options: { webhook: sink } });
        for (let n = 0; n < 10; n++) await local.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
        runs.push(local.state.webhooks.deliveries.filter((d) => d.duplicate_of === null).flatMap((d) => [local.state.webhooks.deliveries.some((x) => x.duplicate_of === d.delivery_id), d.held_ms > 0]));
      } finally {
        await local.close();
      }
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0].some(Boolean) && !runs[0].every(Boolean)).toBe(true);
  });
});
