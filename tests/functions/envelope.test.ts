// The error envelope middleware in Node, around the real @supabase/server: its 401s come out as
// { error: { code, message, details } } with status and headers (CORS, x-supabase-server-error) kept;
// its 500s (a misconfigured project) and anything a middleware lets escape become our INTERNAL_ERROR,
// logged, with no configuration detail; preflights and our own answers pass through untouched.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from '@supabase/middleware';
import { withSupabase } from '@supabase/server';
import { withErrorEnvelope } from '../../supabase/functions/_shared/envelope.ts';

const env: { url: string; publishableKeys: Record<string, string>; secretKeys: Record<string, string>; jwks: { keys: [] } } = {
  url: 'http://localhost:54321',
  publishableKeys: { default: 'sb_publishable_aaaaaaaaaaaaaaaaaaaaaa_bbbbbbbb' },
  secretKeys: { default: 'sb_secret_aaaaaaaaaaaaaaaaaaaaaa_bbbbbbbb' },
  jwks: { keys: [] },
};
const ok = () => Promise.resolve(Response.json({ fine: true }, { headers: { 'x-ours': '1' } }));
const fn = (auth: 'user' | 'secret', e: Partial<typeof env> = env) => pipeline([withErrorEnvelope({ fn: 'test' }), withSupabase({ auth, env: e })], ok);
const post = (headers: Record<string, string> = {}) => new Request('http://localhost/functions/v1/test', { method: 'POST', headers });

let logged: string[] = [];
afterEach(() => { vi.restoreAllMocks(); logged = []; });
const captureLogs = () => vi.spyOn(console, 'log').mockImplementation((line: string) => { logged.push(line); });

describe('withErrorEnvelope', () => {
  it('puts @supabase/server\'s 401 in the envelope and keeps its status and headers', async () => {
    const res = await fn('user')(post());
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-supabase-server-error')).toBe('MISSING_CREDENTIALS');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-supabase-server-error');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: {
        code: 'MISSING_CREDENTIALS',
        message: 'No credentials found on the request. This endpoint accepts auth mode(s): "user".',
        details: {
          hint: 'Send: Authorization: Bearer <jwt> (for auth mode "user").',
          docs: expect.stringMatching(/^https:\/\/github\.com\/supabase\/server\/.*#missing_credentials$/),
          acceptedAuthModes: ['user'],
          received: { authorization: 'absent', apikey: 'absent' },
        },
      },
    });
  });

  it('keeps each of the library\'s 401 codes', async () => {
    const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
    expect(await codeOf(await fn('user')(post({ Authorization: 'Bearer garbage' })))).toBe('INVALID_JWT');
    expect(await codeOf(await fn('user')(post({ apikey: env.secretKeys.default })))).toBe('UNUSABLE_CREDENTIAL');
    expect(await codeOf(await fn('secret')(post({ apikey: 'sb_secret_wrong' })))).toBe('INVALID_API_KEY');
    expect(await codeOf(await fn('secret')(post({ Authorization: 'Bearer garbage' })))).toBe('INVALID_CREDENTIALS');
  });

  it('answers a misconfigured project with our INTERNAL_ERROR and logs the library\'s reason', async () => {
    captureLogs();
    const res = await fn('secret', { ...env, secretKeys: {} })(post({ apikey: 'sb_secret_x' }));
    expect(res.status).toBe(500);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'something went wrong on our side; the error was logged' } });
    expect(logged.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 'error', msg: 'supabase_server_error', fn: 'test', code: 'NO_KEYS_CONFIGURED' })]);
  });

  it('answers a throw that escaped the middleware below with INTERNAL_ERROR', async () => {
    captureLogs();
    const handler = pipeline([withErrorEnvelope({ fn: 'test' })], () => Promise.reject(new Error('pool exploded')));
    const res = await handler(post());
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'something went wrong on our side; the error was logged' } });
    expect(logged.join('\n')).toMatch(/unhandled_error.*pool exploded/);
  });

  it('leaves preflights and the function\'s own answers as they are', async () => {
    const preflight = await fn('user')(new Request('http://localhost/functions/v1/test', { method: 'OPTIONS' }));
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(await preflight.text()).toBe('');
    const mine = await fn('secret')(post({ apikey: env.secretKeys.default }));
    expect(mine.status).toBe(200);
    expect(mine.headers.get('x-ours')).toBe('1');
    expect(await mine.json()).toEqual({ fine: true });
  });
});
