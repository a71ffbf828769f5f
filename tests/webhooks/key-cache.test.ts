// The verification key cache (runtime-neutral module, run here in Node): one fetch per unknown kid
// however many deliveries ask at once, rotation refreshes keys that had no expiry, expired keys are
// refused, a kid Plaid does not know is not asked for again for a minute, lookups of unknown kids
// take the caller's permit (a global rate), and cached keys are re-validated on a schedule.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWKPublicKey } from 'plaid';
import { MAX_UNVALIDATED_MS, REVALIDATE_AFTER_MS, WebhookKeyCache } from '../../supabase/functions/_shared/webhooks/key-cache.ts';
import { verifyPlaidWebhook } from '../../supabase/functions/_shared/webhooks/verify.ts';

async function key(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { x, y } = await exportJWK(publicKey);
  const jwk: JWKPublicKey = { alg: 'ES256', crv: 'P-256', kid, kty: 'EC', use: 'sig', x: x!, y: y!, created_at: 1_700_000_000, expired_at: null };
  const signBody = (body: string, iat: number) =>
    new SignJWT({ iat, request_body_sha256: createHash('sha256').update(body).digest('hex') })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(privateKey);
  return { jwk, signBody };
}

/** A fake /webhook_verification_key/get over a mutable key set, counting calls per kid. */
function plaidKeys(keys: Map<string, JWKPublicKey>) {
  const calls: string[] = [];
  const fetchKey = async (kid: string) => {
    calls.push(kid);
    await Promise.resolve();
    const k = keys.get(kid);
    return k ? { ...k } : null;
  };
  return { calls, fetchKey };
}

describe('webhook key cache', () => {
  it('fetches an unknown kid once for concurrent deliveries and then serves it from the cache', async () => {
    const a = await key('kid-a');
    const plaid = plaidKeys(new Map([['kid-a', a.jwk]]));
    const cache = new WebhookKeyCache(plaid.fetchKey);
    const got = await Promise.all(Array.from({ length: 10 }, () => cache.resolve('kid-a')));
    expect(got.every((k) => k?.kid === 'kid-a')).toBe(true);
    await cache.resolve('kid-a');
    expect(plaid.calls).toEqual(['kid-a']);
  });

  it('on rotation refreshes cached keys without expiry, and refuses the old key once it has expired', async () => {
    const a = await key('kid-a');
    const b = await key('kid-b');
    const keys = new Map([['kid-a', a.jwk]]);
    const plaid = plaidKeys(keys);
    let nowMs = 1_800_000_000_000;
    const cache = new WebhookKeyCache(plaid.fetchKey, () => nowMs);
    const body = '{\n  "webhook_code": "SYNC_UPDATES_AVAILABLE"\n}';
    const verify = (jwt: string) => verifyPlaidWebhook(jwt, new TextEncoder().encode(body), cache.resolve, Math.floor(nowMs / 1000));
    expect(await verify(await a.signBody(body, nowMs / 1000))).toMatchObject({ ok: true, kid: 'kid-a' });

    // A minute later Plaid rotates: kid-b is current, kid-a expires in 10 minutes.
    nowMs += 61_000;
    keys.set('kid-a', { ...a.jwk, expired_at: nowMs / 1000 + 600 });
    keys.set('kid-b', b.jwk);
    expect(await verify(await b.signBody(body, nowMs / 1000))).toMatchObject({ ok: true, kid: 'kid-b' });
    expect(plaid.calls.sort()).toEqual(['kid-a', 'kid-a', 'kid-b']);
    expect(await verify(await a.signBody(body, nowMs / 1000))).toMatchObject({ ok: true });
    nowMs += 601_000;
    expect(await verify(await a.signBody(body, nowMs / 1000))).toEqual({ ok: false, reason: 'expired_key' });
    expect(await verify(await b.signBody(body, nowMs / 1000))).toMatchObject({ ok: true });
  });

  it('remembers a kid Plaid does not know for a minute', async () => {
    const plaid = plaidKeys(new Map());
    let nowMs = 0;
    const cache = new WebhookKeyCache(plaid.fetchKey, () => nowMs);
    expect(await cache.resolve('forged')).toBeNull();
    expect(await cache.resolve('forged')).toBeNull();
    expect(plaid.calls).toEqual(['forged']);
    nowMs += 61_000;
    expect(await cache.resolve('forged')).toBeNull();
    expect(plaid.calls).toEqual(['forged', 'forged']);
  });

  it('takes the permit before each lookup of a kid it does not have: 300 random kids, 10 permits, 10 lookups', async () => {
    const a = await key('kid-a');
    const plaid = plaidKeys(new Map([['kid-a', a.jwk]]));
    let permits = 10;
    const refused = new Error('429: too many lookups');
    const permit = async () => { if (permits-- <= 0) throw refused; };
    const cache = new WebhookKeyCache(plaid.fetchKey);
    expect(await cache.resolve('kid-a', permit)).toMatchObject({ kid: 'kid-a' });
    const results = await Promise.allSettled(Array.from({ length: 300 }, () => cache.resolve(crypto.randomUUID(), permit)));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === null)).toHaveLength(9);
    expect(results.filter((r) => r.status === 'rejected' && r.reason === refused)).toHaveLength(291);
    // One for kid-a, nine for random kids; kid-a was just checked, so the lookups did not refetch it.
    expect(plaid.calls).toHaveLength(10);
    // A cached key needs no permit; the same unknown kid asked by 50 deliveries at once takes one.
    permits = 1;
    expect(await cache.resolve('kid-a', permit)).toMatchObject({ kid: 'kid-a' });
    await Promise.all(Array.from({ length: 50 }, () => cache.resolve('forged-once', permit)));
    expect(plaid.calls.filter((k) => k === 'forged-once')).toHaveLength(1);
    expect(permits).toBe(0);
  });

  it('re-validates a cached key on schedule: a key Plaid expired or stopped serving is not trusted forever', async () => {
    const a = await key('kid-a');
    const keys = new Map([['kid-a', a.jwk]]);
    const plaid = plaidKeys(keys);
    let nowMs = 1_800_000_000_000;
    const cache = new WebhookKeyCache(plaid.fetchKey, () => nowMs);
    const body = '{}';
    const verify = async () => verifyPlaidWebhook(await a.signBody(body, nowMs / 1000), new TextEncoder().encode(body), cache.resolve, Math.floor(nowMs / 1000));
    expect(await verify()).toMatchObject({ ok: true });
    // Plaid expires the key; within the schedule the cache still uses what it fetched ...
    keys.set('kid-a', { ...a.jwk, expired_at: nowMs / 1000 + 1 });
    nowMs += REVALIDATE_AFTER_MS - 1000;
    expect(await verify()).toMatchObject({ ok: true });
    expect(plaid.calls).toEqual(['kid-a']);
    // ... and past it asks again, and honours expired_at.
    nowMs += 2000;
    expect(await verify()).toEqual({ ok: false, reason: 'expired_key' });
    expect(plaid.calls).toEqual(['kid-a', 'kid-a']);
    // A key Plaid no longer serves at all is dropped at its next check.
    keys.delete('kid-a');
    nowMs += REVALIDATE_AFTER_MS;
    expect(await verify()).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('while Plaid cannot be reached, a cached key serves for MAX_UNVALIDATED_MS, then the lookup fails (503, Plaid retries)', async () => {
    const a = await key('kid-a');
    let down = false;
    const calls: string[] = [];
    let nowMs = 0;
    const cache = new WebhookKeyCache(async (kid) => { calls.push(kid); if (down) throw new Error('Plaid unreachable'); return a.jwk; }, () => nowMs);
    expect(await cache.resolve('kid-a')).toMatchObject({ kid: 'kid-a' });
    down = true;
    nowMs += REVALIDATE_AFTER_MS + 1;
    expect(await cache.resolve('kid-a')).toMatchObject({ kid: 'kid-a' });
    nowMs = MAX_UNVALIDATED_MS + 1;
    await expect(cache.resolve('kid-a')).rejects.toThrow(/unreachable/);
    down = false;
    expect(await cache.resolve('kid-a')).toMatchObject({ kid: 'kid-a' });
    expect(calls).toEqual(['kid-a', 'kid-a', 'kid-a', 'kid-a']);
  });

  it('checks the algorithm before looking up any key', async () => {
    const plaid = plaidKeys(new Map());
    const cache = new WebhookKeyCache(plaid.fetchKey);
    const jwt = `${Buffer.from('{"alg":"RS256","kid":"x"}').toString('base64url')}.e30.sig`;
    expect(await verifyPlaidWebhook(jwt, new Uint8Array(), cache.resolve, 0)).toEqual({ ok: false, reason: 'unsupported_alg' });
    expect(plaid.calls).toEqual([]);
  });
});
