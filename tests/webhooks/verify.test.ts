// verifyPlaidWebhook refusal by refusal (runtime-neutral module, run here in Node): every token is
// made with jose, as Plaid (or an attacker) would, and each refusal names its reason. Checks that
// must not look up a key (wrong algorithm, no kid) prove it by counting lookups.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import type { JWKPublicKey } from 'plaid';
import { verifyPlaidWebhook, MAX_CLOCK_SKEW_SECONDS, MAX_WEBHOOK_AGE_SECONDS } from '../../supabase/functions/_shared/webhooks/verify.ts';

const NOW = 1_800_000_000;
const body = '{\n  "webhook_type": "TRANSACTIONS",\n  "webhook_code": "SYNC_UPDATES_AVAILABLE"\n}';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function plaidKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { x, y } = await exportJWK(publicKey);
  const jwk: JWKPublicKey = { alg: 'ES256', crv: 'P-256', kid, kty: 'EC', use: 'sig', x: x!, y: y!, created_at: NOW - 86_400, expired_at: null };
  return { jwk, privateKey, publicKey };
}

const claims = (over: Record<string, unknown> = {}) => ({ iat: NOW, request_body_sha256: sha256(body), ...over });
const es256 = (key: CryptoKey, header: Record<string, unknown>, payload = claims()) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...header }).sign(key);

async function setup() {
  const plaid = await plaidKey('kid-plaid');
  const lookups: string[] = [];
  const resolve = async (kid: string) => {
    lookups.push(kid);
    return kid === plaid.jwk.kid ? plaid.jwk : kid === 'kid-expired' ? { ...plaid.jwk, kid, expired_at: NOW - 1 } : null;
  };
  const verify = (jwt: string | null, sent = body) => verifyPlaidWebhook(jwt, new TextEncoder().encode(sent), resolve, NOW);
  return { plaid, lookups, verify };
}

describe('verifyPlaidWebhook', () => {
  it('accepts a fresh ES256 token over the exact body and reports its kid, iat and body hash', async () => {
    const { plaid, verify } = await setup();
    expect(await verify(await es256(plaid.privateKey, { kid: 'kid-plaid' }))).toEqual({ ok: true, kid: 'kid-plaid', iat: NOW, bodySha256: sha256(body) });
    // Plaid's hash in upper case is the same hash.
    const upper = await es256(plaid.privateKey, { kid: 'kid-plaid' }, claims({ request_body_sha256: sha256(body).toUpperCase() }));
    expect(await verify(upper)).toMatchObject({ ok: true });
  });

  it('refuses other algorithms and tokens without a kid before looking up any key', async () => {
    const { plaid, lookups, verify } = await setup();
    const hs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'kid-plaid' })
      .sign(new TextEncoder().encode(await exportSPKI(plaid.publicKey)));
    const none = new UnsecuredJWT(claims()).encode().replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'none', kid: 'kid-plaid' })).toString('base64url'));
    const rsa = await generateKeyPair('RS256');
    const rs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'kid-plaid' }).sign(rsa.privateKey);
    for (const jwt of [hs256, none, rs256]) expect(await verify(jwt)).toEqual({ ok: false, reason: 'unsupported_alg' });
    expect(await verify(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(plaid.privateKey))).toEqual({ ok: false, reason: 'missing_kid' });
    expect(lookups).toEqual([]);
  });

  it('refuses a missing or malformed header', async () => {
    const { verify } = await setup();
    expect(await verify(null)).toEqual({ ok: false, reason: 'missing_header' });
    expect(await verify('not-a-jwt')).toEqual({ ok: false, reason: 'malformed_jwt' });
    const { plaid } = await setup();
    const [h, p] = (await es256(plaid.privateKey, { kid: 'kid-plaid' })).split('.');
    expect(await verify(`${h}.${p}`)).toMatchObject({ ok: false });
  });

  it('refuses a kid Plaid does not know, and a key past its expired_at', async () => {
    const { plaid, verify } = await setup();
    expect(await verify(await es256(plaid.privateKey, { kid: 'kid-forged' }))).toEqual({ ok: false, reason: 'unknown_key' });
    expect(await verify(await es256(plaid.privateKey, { kid: 'kid-expired' }))).toEqual({ ok: false, reason: 'expired_key' });
  });

  it('refuses a token signed by another key under Plaid\'s kid, or with its signature altered', async () => {
    const { plaid, verify } = await setup();
    const attacker = await plaidKey('kid-plaid');
    expect(await verify(await es256(attacker.privateKey, { kid: 'kid-plaid' }))).toEqual({ ok: false, reason: 'bad_signature' });
    const [h, p, s] = (await es256(plaid.privateKey, { kid: 'kid-plaid' })).split('.');
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    expect(await verify(`${h}.${p}.${flipped}`)).toEqual({ ok: false, reason: 'bad_signature' });
    // A valid signature over other claims does not carry over.
    const other = (await es256(plaid.privateKey, { kid: 'kid-plaid' }, claims({ iat: NOW - 1 }))).split('.')[1];
    expect(await verify(`${h}.${other}.${s}`)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('holds iat to Plaid\'s 5 minutes exactly, with 30 s for a clock ahead of ours', async () => {
    const { plaid, verify } = await setup();
    const at = async (iat: number) => await verify(await es256(plaid.privateKey, { kid: 'kid-plaid' }, claims({ iat })));
    expect(await at(NOW - MAX_WEBHOOK_AGE_SECONDS)).toMatchObject({ ok: true });
    expect(await at(NOW - MAX_WEBHOOK_AGE_SECONDS - 1)).toEqual({ ok: false, reason: 'too_old' });
    expect(await at(NOW + MAX_CLOCK_SKEW_SECONDS)).toMatchObject({ ok: true });
    expect(await at(NOW + MAX_CLOCK_SKEW_SECONDS + 1)).toEqual({ ok: false, reason: 'issued_in_future' });
  });

  it('refuses signed claims without iat or the body hash, or of the wrong types', async () => {
    const { plaid, verify } = await setup();
    for (const payload of [{ request_body_sha256: sha256(body) }, { iat: NOW }, claims({ iat: String(NOW) }), claims({ request_body_sha256: 42 })]) {
      expect(await verify(await es256(plaid.privateKey, { kid: 'kid-plaid' }, payload as ReturnType<typeof claims>))).toEqual({ ok: false, reason: 'malformed_claims' });
    }
  });

  it('refuses a body changed after signing, by one byte or one space', async () => {
    const { plaid, verify } = await setup();
    const jwt = await es256(plaid.privateKey, { kid: 'kid-plaid' });
    expect(await verify(jwt, body.replace('TRANSACTIONS', 'TRANSACTIONZ'))).toEqual({ ok: false, reason: 'body_mismatch' });
    expect(await verify(jwt, JSON.stringify(JSON.parse(body)))).toEqual({ ok: false, reason: 'body_mismatch' });
  });
});
