// The functions host + gateway behave like hosted Edge Functions for each @supabase/server auth mode.
import { describe, expect, it } from 'vitest';
import { createClient } from '@supabase/supabase-js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { newSession, testStack } from '../support/stack.ts';

const health = (mode: string) => testStack.functionUrl(`health/${mode}`);

describe('user mode (JWKS-verified ES256 JWT)', () => {
  it('answers 200 with a minted user JWT and sees the user id', async () => {
    const s = await newSession();
    const res = await fetch(health('user'), { headers: { Authorization: `Bearer ${s.access_token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ authMode: 'user', userId: s.user_id });
  });

  it('answers 401 without credentials', async () => {
    const res = await fetch(health('user'));
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('MISSING_CREDENTIALS');
  });

  it('answers 401 for a tampered token', async () => {
    const s = await newSession();
    const [h, p, sig] = s.access_token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: crypto.randomUUID() })).toString('base64url');
    const res = await fetch(health('user'), { headers: { Authorization: `Bearer ${h}.${forged}.${sig}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('INVALID_JWT');
  });

  it('answers 401 for an expired token', async () => {
    const s = await newSession('expired', { expiresInSeconds: -60 });
    const res = await fetch(health('user'), { headers: { Authorization: `Bearer ${s.access_token}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/expired/);
  });

  it('rejects the secret key where a user is required', async () => {
    const res = await fetch(health('user'), { headers: { apikey: testStack.keys.secretKey } });
    expect(res.status).toBe(401);
  });

  it('works through real supabase-js functions.invoke with the publishable key and a session', async () => {
    const s = await newSession();
    const supabase = createClient(testStack.apiUrl, testStack.keys.publishableKey, {
      global: { headers: { Authorization: `Bearer ${s.access_token}` } },
      auth: { persistSession: false, autoRefreshToken: false },
    });
    const { data, error } = await supabase.functions.invoke('health/user', { method: 'GET' });
    expect(error).toBeNull();
    expect(data).toMatchObject({ authMode: 'user', userId: s.user_id });
  });
});

describe('secret mode', () => {
  it('accepts the secret key', async () => {
    const res = await fetch(health('secret'), { headers: { apikey: testStack.keys.secretKey } });
    expect(res.status).toBe(200);
    expect((await res.json()).authMode).toBe('secret');
  });

  it('rejects the publishable key', async () => {
    const res = await fetch(health('secret'), { headers: { apikey: testStack.keys.publishableKey } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('INVALID_API_KEY');
  });

  it('rejects a user JWT', async () => {
    const s = await newSession();
    const res = await fetch(health('secret'), { headers: { Authorization: `Bearer ${s.access_token}` } });
    expect(res.status).toBe(401);
  });
});

describe('publishable and none modes', () => {
  it('publishable accepts the publishable key only', async () => {
    expect((await fetch(health('publishable'), { headers: { apikey: testStack.keys.publishableKey } })).status).toBe(200);
    expect((await fetch(health('publishable'), { headers: { apikey: 'sb_publishable_wrong' } })).status).toBe(401);
  });

  it('none needs no credentials', async () => {
    const res = await fetch(testStack.functionUrl('health'));
    expect(res.status).toBe(200);
    expect((await res.json()).authMode).toBe('none');
  });
});

describe('gateway and Auth stand-ins', () => {
  it('answers 404 for an unknown function, as the platform', async () => {
    const res = await fetch(testStack.functionUrl('no-such-function'));
    expect(res.status).toBe(404);
  });

  it('serves the JWKS that verifies minted sessions with Supabase claims', async () => {
    const s = await newSession();
    const jwks = createRemoteJWKSet(new URL(`${testStack.apiUrl}/auth/v1/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(s.access_token, jwks, { audience: 'authenticated' });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({ sub: s.user_id, role: 'authenticated', aud: 'authenticated', email: s.email });
    expect(payload.session_id).toBeTruthy();
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('keys have the platform format', () => {
    expect(testStack.keys.publishableKey).toMatch(/^sb_publishable_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/);
    expect(testStack.keys.secretKey).toMatch(/^sb_secret_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/);
  });
});
