// Every function's 401 through the gateway, in the one error envelope docs/api.md states: no token, a
// garbage, empty or huge token, an expired token, a wrong API key (with a user's token too), the
// publishable key alone (signed out). The codes
// are the ones docs/api.md lists for 401; CORS headers are on the answer and preflights are unchanged.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/paths.ts';
import { newSession, testStack } from '../support/stack.ts';

const userFunctions = ['plaid-link-token', 'plaid-exchange-token', 'plaid-accounts', 'plaid-balance', 'plaid-item-remove',
  'accounts-link', 'plaid-item-repaired', 'transactions', 'accounts-manual', 'plaid-sync'];

/** The codes docs/api.md's error table gives status 401. */
const documented401 = new Set(readFileSync(join(repoRoot, 'docs/api.md'), 'utf8').split('\n')
  .filter((line) => /^\|[^|]+\| 401 \|/.test(line))
  .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z_]+)`/g)].map((m) => m[1])));

// A key of the right shape that is none of the project's.
const wrongKey = (kind: 'secret' | 'publishable') => `sb_${kind}_${'wrong'.repeat(5)}_${'wrong'.repeat(2)}`;
const wrongSecret = wrongKey('secret');
let expiredToken: string;

beforeAll(async () => {
  expiredToken = (await newSession('expired-401', { expiresInSeconds: -60 })).access_token;
});

async function call(name: string, headers: Record<string, string>, method = 'POST') {
  const res = await fetch(testStack.functionUrl(name), {
    method, headers: { 'Content-Type': 'application/json', ...headers }, body: method === 'POST' ? '{}' : undefined,
  });
  const text = await res.text();
  appendFileSync(join(testStack.stateDir, 'responses.ndjson'), `${JSON.stringify({ fn: name, status: res.status, text })}\n`);
  return { status: res.status, headers: res.headers, text };
}

const messageOf = (error: { message: string }) => error.message;

/** A 401 in exactly the envelope: { error: { code, message, details? } } and nothing else. */
async function expect401(name: string, headers: Record<string, string>, code: string) {
  const res = await call(name, headers);
  const body = JSON.parse(res.text);
  expect({ name, headers, status: res.status, code: body.error?.code }).toEqual({ name, headers, status: 401, code });
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).filter((k) => !['code', 'message', 'details'].includes(k))).toEqual([]);
  expect(body.error.message).toMatch(/\w{3}/);
  expect(body.error.message).not.toMatch(/@supabase\/server\]/);
  expect(documented401.has(code)).toBe(true);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  return body.error;
}

describe('401s in the error envelope', () => {
  it('docs/api.md lists the 401 codes', () => {
    expect([...documented401].sort()).toEqual(['INVALID_API_KEY', 'INVALID_CREDENTIALS', 'INVALID_JWT', 'MISSING_CREDENTIALS', 'UNUSABLE_CREDENTIAL', 'WEBHOOK_VERIFICATION_FAILED']);
  });

  it.each(userFunctions)('user function %s', async (name) => {
    const missing = await expect401(name, {}, 'MISSING_CREDENTIALS');
    expect(missing.details).toMatchObject({ acceptedAuthModes: ['user'], received: { authorization: 'absent', apikey: 'absent' } });
    expect(messageOf(await expect401(name, { Authorization: 'Bearer garbage' }, 'INVALID_JWT'))).toMatch(/header could not be decoded/);
    expect(messageOf(await expect401(name, { Authorization: `Bearer ${expiredToken}` }, 'INVALID_JWT'))).toMatch(/expired/);
    // Signed out: supabase-js sends the publishable key; the gateway turns it into the anon role's JWT, which is no
    // user token (no "aud" authenticated, no user).
    expect(messageOf(await expect401(name, { apikey: testStack.keys.publishableKey, Authorization: `Bearer ${testStack.keys.publishableKey}` }, 'INVALID_JWT'))).toMatch(/"aud"/);
    await expect401(name, { apikey: wrongKey('publishable') }, 'UNUSABLE_CREDENTIAL');
    // The secret key alone is the scheduler's credential (plaid-sync's other half); to any user function it is a role JWT with no user.
    if (name !== 'plaid-sync') await expect401(name, { apikey: testStack.keys.secretKey }, 'INVALID_JWT');
    await expect401(name, { Authorization: `Bearer ${testStack.keys.secretKey}` }, 'UNUSABLE_CREDENTIAL');
    await expect401(name, { Authorization: 'Basic dXNlcjpwYXNz' }, 'UNUSABLE_CREDENTIAL');
    await expect401(name, { Authorization: 'Bearer ' }, 'UNUSABLE_CREDENTIAL');
    await expect401(name, { Authorization: `bearer ${expiredToken}` }, 'UNUSABLE_CREDENTIAL');
    // A 40 KB token (a header the gateway still passes on) is a malformed token, not a failure.
    await expect401(name, { Authorization: `Bearer ${'a'.repeat(40_000)}.b.c` }, 'INVALID_JWT');
  });

  it('secret function plaid-sync (the scheduler\'s half) and health/secret', async () => {
    const wrong = await expect401('plaid-sync', { apikey: wrongSecret }, 'INVALID_API_KEY');
    expect(wrong.details).toMatchObject({ acceptedAuthModes: ['secret'], received: { apikey: 'secret' } });
    // A signed-in user naming a secret key they do not have: the scheduler's half refuses it (no user
    // token opens the service path), and no sync is requested.
    const user = await newSession('secret-guess');
    const guessed = await expect401('plaid-sync', { Authorization: `Bearer ${user.access_token}`, apikey: wrongSecret }, 'INVALID_API_KEY');
    expect(guessed.details).toMatchObject({ acceptedAuthModes: ['secret'] });
    await expect401('health/secret', {}, 'MISSING_CREDENTIALS');
    await expect401('health/secret', { Authorization: 'Bearer garbage' }, 'INVALID_CREDENTIALS');
    await expect401('health/secret', { apikey: wrongSecret }, 'INVALID_API_KEY');
    await expect401('health/secret', { apikey: testStack.keys.publishableKey }, 'INVALID_API_KEY');
  });

  it('function without auth (plaid-webhook): credentials do not matter, a missing signature is a 401 in the envelope', async () => {
    const attempts: Array<Record<string, string>> = [{}, { Authorization: 'Bearer garbage' }, { apikey: wrongSecret }, { apikey: testStack.keys.secretKey }];
    for (const headers of attempts) {
      expect((await expect401('plaid-webhook', headers, 'WEBHOOK_VERIFICATION_FAILED')).message).toMatch(/Plaid-Verification header is missing/);
    }
  });

  it.each([...userFunctions, 'plaid-webhook', 'health/user'])('%s answers a CORS preflight with 204 before any credential check', async (name) => {
    const res = await call(name, { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, apikey, content-type' }, 'OPTIONS');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization.*apikey.*content-type/);
  });

  it('health answers an unknown mode 404 in the envelope', async () => {
    const res = await call('health/constructor', {}, 'GET');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringMatching(/unknown mode "constructor"/) } });
  });
});

