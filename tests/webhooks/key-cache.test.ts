// The verification key cache (runtime-neutral module, run here in Node): one fetch per unknown kid
// however many deliveries ask at once, rotation refreshes keys that had no expiry, expired keys are
// refused, and a kid Plaid does not know is not asked for again for a minute.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWKPublicKey } from 'plaid';
import { WebhookKeyCache } from '../../supabase/functions/_shared/webhooks/key-cache.ts';
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

    // Plaid rotates: kid-b is current, kid-a expires in 10 minutes.
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

  it('checks the algorithm before looking up any key', async () => {
    const plaid = plaidKeys(new Map());
    const cache = new WebhookKeyCache(plaid.fetchKey);
    const jwt = `${Buffer.from('{"alg":"RS256","kid":"x"}').toString('base64url')}.e30.sig`;
    expect(await verifyPlaidWebhook(jwt, new Uint8Array(), cache.resolve, 0)).toEqual({ ok: false, reason: 'unsupported_alg' });
    expect(plaid.calls).toEqual([]);
  });
});
