// plaid-webhook's verification matrix against the running function: only a fresh ES256 JWT from a key
// Plaid serves, over the exact body, is accepted. Every rejected delivery answers 401 and leaves no
// trace: no webhook_events row and no sync request. A redelivery is one event.
import { createHash, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import { connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { plaidItemId, sql, waitForIdle } from '../support/sync.ts';
import { deliver, plaidBody, signature } from '../support/webhooks.ts';
import { eventually } from '../support/wait.ts';
import { expectPlaidCalls, logMark } from '../support/plaid-calls.ts';
import { webhookKeyLookups } from '../../supabase/functions/_shared/rate-limits.ts';

const now = () => Math.floor(Date.now() / 1000);

/** A JWT shaped like Plaid's, made with jose by an attacker: their own ES256 key, no signature, or HS256 with a secret. */
async function forged(body: string, header: { alg: 'ES256' | 'none' | 'HS256'; kid: string }, hs256Secret?: string): Promise<string> {
  const claims = { iat: now(), request_body_sha256: createHash('sha256').update(body).digest('hex') };
  if (header.alg === 'none') {
    const [, payload] = new UnsecuredJWT(claims).encode().split('.');
    return `${Buffer.from(JSON.stringify({ typ: 'JWT', ...header })).toString('base64url')}.${payload}.`;
  }
  const key = header.alg === 'ES256' ? (await generateKeyPair('ES256')).privateKey : new TextEncoder().encode(hs256Secret);
  return await new SignJWT(claims).setProtectedHeader({ typ: 'JWT', ...header }).sign(key);
}

let itemId: string;
let body: string;
let kid: string;
let publicPem: string;

async function traces() {
  const [events] = await sql`select count(*)::int as n from public.webhook_events where item_id = ${itemId}`;
  const [state] = await sql`select last_dispatch_id, requested_at from public.plaid_sync_state where item_id = ${itemId} and product = 'transactions'`;
  const [runs] = await sql`select count(*)::int as n from public.sync_runs where item_id = ${itemId} and trigger = 'webhook'`;
  return { events: events.n, dispatch: state.last_dispatch_id, requested: state.requested_at, webhookRuns: runs.n };
}

beforeAll(async () => {
  const item = await connectItem(await newSession('webhook-verify'));
  itemId = item.id;
  await waitForIdle(itemId);
  body = plaidBody({
    webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: await plaidItemId(itemId),
    initial_update_complete: true, historical_update_complete: true,
  });
  const keys = await emulator<{ keys: Array<{ kid: string; x: string; y: string }>; current_kid: string }>('GET', '/webhook-keys');
  kid = keys.current_kid;
  const jwk = keys.keys.find((k) => k.kid === kid)!;
  publicPem = await exportSPKI(await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256') as CryptoKey);
});

describe('plaid-webhook verification', () => {
  it('rejects every forged, stale, tampered or unsigned delivery with 401 and records nothing', async () => {
    const before = await traces();
    const cases: Array<[string, string, string | null]> = [
      ['signed by another key under Plaid\'s kid', body, await forged(body, { alg: 'ES256', kid })],
      ['body tampered after signing', body.replace('"initial_update_complete": true', '"initial_update_complete": false'), (await signature(body)).jwt],
      ['iat 6 minutes old', body, (await signature(body, now() - 6 * 60)).jwt],
      ['iat in the future', body, (await signature(body, now() + 10 * 60)).jwt],
      ['unknown kid', body, await forged(body, { alg: 'ES256', kid: randomUUID() })],
      ['alg none', body, await forged(body, { alg: 'none', kid })],
      ['HS256 signed with Plaid\'s public key', body, await forged(body, { alg: 'HS256', kid }, publicPem)],
      ['missing header', body, null],
      ['not a JWT', body, 'not-a-jwt'],
    ];
    for (const [name, sent, header] of cases) {
      const res = await deliver(sent, header);
      expect({ name, status: res.status, code: res.body.error?.code }).toEqual({ name, status: 401, code: 'WEBHOOK_VERIFICATION_FAILED' });
      expect(res.body.error.message).toMatch(/Plaid-Verification|webhook|body/);
    }
    expect(await traces()).toEqual(before);
  });

  it('300 forged deliveries with random key ids make at most a handful of key lookups at Plaid: the rest wait (429, Retry-After)', async () => {
    // The global bucket starts full and is left full for the files running beside this one.
    const reset = () => sql`delete from private.rate_limits where key = 'webhook_key_lookup'`;
    await reset();
    const mark = logMark();
    const started = Date.now();
    const responses: Array<{ status: number; body: any }> = [];
    for (let batch = 0; batch < 6; batch++) {
      responses.push(...await Promise.all(Array.from({ length: 50 }, async () => deliver(body, await forged(body, { alg: 'ES256', kid: randomUUID() })))));
    }
    const seconds = (Date.now() - started) / 1000;
    await reset();
    const byStatus = Object.groupBy(responses, (r) => String(r.status));
    expect(Object.keys(byStatus).sort()).toEqual(['401', '429']);
    const limited = byStatus['429']!;
    expect(limited[0].body.error).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_seconds: expect.any(Number) } });
    // A full bucket, plus what refilled while the burst lasted.
    const allowed = webhookKeyLookups.limit + Math.ceil(seconds / (webhookKeyLookups.periodSeconds / webhookKeyLookups.limit));
    expect(byStatus['401']!.length).toBeGreaterThanOrEqual(webhookKeyLookups.limit);
    expect(byStatus['401']!.length).toBeLessThanOrEqual(allowed);
    const lookups = await expectPlaidCalls(mark, (c) => c.fn === 'plaid-webhook' && c.endpoint === '/webhook_verification_key/get', byStatus['401']!.length);
    expect(lookups.length).toBe(byStatus['401']!.length);
  });

  it('accepts a valid delivery: recorded once, sync requested, rows synced; a redelivery is the same event', async () => {
    const first = await deliver(body, (await signature(body)).jwt);
    expect(first).toEqual({ status: 200, body: { received: true, outcome: 'processed', delivery_count: 1 } });
    const [event] = await sql`select webhook_type, webhook_code, item_id, delivery_count, outcome from public.webhook_events where item_id = ${itemId}`;
    expect(event).toEqual({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: itemId, delivery_count: 1, outcome: 'processed' });
    await eventually(traces, (t) => t.webhookRuns === 1);

    // Plaid retries with a new signature over the same body.
    const again = await deliver(body, (await signature(body)).jwt);
    expect(again).toEqual({ status: 200, body: { received: true, outcome: 'processed', delivery_count: 2 } });
    const events = await sql`select delivery_count from public.webhook_events where item_id = ${itemId}`;
    expect(events.map((e) => e.delivery_count)).toEqual([2]);
  });

  it('records a verified body it cannot act on as a rejection (200, so Plaid does not retry it), tied to no one, acting on nothing', async () => {
    await waitForIdle(itemId); // the redelivery's sync above
    const before = await traces();
    const plaidId = await plaidItemId(itemId);
    const bodies: Array<[string, string, RegExp]> = [
      ['not JSON', 'not json at all', /not valid JSON/],
      ['no webhook_code', plaidBody({ webhook_type: 'TRANSACTIONS', item_id: plaidId }), /webhook_code/],
      ['a NUL in a string', plaidBody({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: plaidId, note: 'a\u0000b' }), /note: contains a NUL/],
      ['a NUL in a key', plaidBody({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: plaidId, 'x\u0000': 1 }), /a key contains a NUL/],
      ['an unpaired surrogate', plaidBody({ webhook_type: 'ITEM', webhook_code: 'ERROR\ud800', item_id: plaidId }), /unpaired UTF-16 surrogate/],
      ['nested 20,000 levels deep', `{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE","item_id":"${plaidId}","deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, /nested more than/],
      ['a consent_expiration_time that is no date', plaidBody({ webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: plaidId, consent_expiration_time: 'soon' }), /consent_expiration_time/],
      ['a consent_expiration_time in year 0', plaidBody({ webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: plaidId, consent_expiration_time: '0000-01-01T00:00:00Z' }), /year 1/],
    ];
    // JSON.stringify writes the NUL and the lone surrogate as \u escapes: the bytes Plaid would send.
    for (const [name, sent, reason] of bodies) {
      const res = await deliver(sent, (await signature(sent)).jwt);
      expect({ name, status: res.status, outcome: res.body.outcome }).toEqual({ name, status: 200, outcome: 'rejected' });
      expect(res.body.reason).toMatch(reason);
      const [event] = await sql`select outcome, item_id, user_id, payload, error ->> 'reason' as reason, error ->> 'body' as body, delivery_count
        from public.webhook_events where body_sha256 = ${createHash('sha256').update(sent).digest('hex')}`;
      expect({ name, ...event, body: typeof event.body }).toEqual({ name, outcome: 'rejected', item_id: null, user_id: null, payload: null, reason: res.body.reason, body: 'string', delivery_count: 1 });
    }
    // Nothing was acted on: the item's events, sync requests and status are as they were.
    expect(await traces()).toEqual(before);
    expect((await sql`select status from public.plaid_items where id = ${itemId}`)[0].status).toBe('healthy');
    // Over 64 KiB: refused before anything is verified or stored.
    const huge = plaidBody({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: 'x', padding: 'x'.repeat(70_000) });
    const big = await deliver(huge, (await signature(huge)).jwt);
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('BODY_TOO_LARGE');
    expect((await sql`select count(*)::int as n from public.webhook_events where body_sha256 = ${createHash('sha256').update(huge).digest('hex')}`)[0].n).toBe(0);
    const get = await fetch(`${process.env.NESTFOLIO_TEST_API_URL}/functions/v1/plaid-webhook`);
    expect(get.status).toBe(405);
    await get.body?.cancel();
  });

  it('takes INITIAL_UPDATE\'s error as the string the spec says it is (not a rejection)', async () => {
    const plaidId = await plaidItemId(itemId);
    const sent = plaidBody({ webhook_type: 'TRANSACTIONS', webhook_code: 'INITIAL_UPDATE', item_id: plaidId, new_transactions: 0, error: 'PRODUCT_NOT_READY' });
    const res = await deliver(sent, (await signature(sent)).jwt);
    expect(res).toEqual({ status: 200, body: { received: true, outcome: 'ignored', delivery_count: 1 } });
    const [event] = await sql`select outcome, item_id from public.webhook_events where body_sha256 = ${createHash('sha256').update(sent).digest('hex')}`;
    expect({ ...event }).toEqual({ outcome: 'ignored', item_id: itemId });
  });
});
