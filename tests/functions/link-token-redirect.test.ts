// plaid-link-token's OAuth redirect URI is the configured PLAID_REDIRECT_URI and nothing a caller
// names: the shared module (runtime-neutral, run here in Node) with a Plaid stub that records the
// /link/token/create request. The test stack has no PLAID_REDIRECT_URI; item-lifecycle.test.ts covers
// that case end to end.
import { describe, expect, it } from 'vitest';
import type { UserContext } from '../../supabase/functions/_shared/function.ts';
import { HttpError } from '../../supabase/functions/_shared/http.ts';
import { createLinkToken } from '../../supabase/functions/_shared/items/link-token.ts';
import { createLogger } from '../../supabase/functions/_shared/log.ts';

const configured = 'https://app.example.com/plaid/oauth-return';

function context(env: Record<string, string>) {
  const sent: Array<Record<string, unknown>> = [];
  const plaid = { call: async (_endpoint: string, request: Record<string, unknown>) => {
    sent.push(request);
    return { link_token: 'link-sandbox-test', expiration: new Date(Date.now() + 4 * 3600_000).toISOString() };
  } };
  // Every database call here is a rate-limit claim, which allows.
  const allow = async () => [{ allowed: true, retry_after_seconds: 0 }];
  const ctx = {
    env: { SUPABASE_URL: 'https://ref.supabase.co', ...env }, userId: crypto.randomUUID(), log: createLogger({}, () => {}),
    stats: { dbRoundTrips: 0, peakHeapBytes: 0 }, plaid: () => plaid, admin: { query: allow, queryRaw: allow }, db: { query: allow, queryRaw: allow },
  } as unknown as UserContext;
  return { ctx, sent };
}

describe('plaid-link-token redirect_uri', () => {
  it('sends the configured redirect URI, with or without the caller naming it', async () => {
    const { ctx, sent } = context({ PLAID_REDIRECT_URI: configured });
    await createLinkToken(ctx, {});
    await createLinkToken(ctx, { redirect_uri: configured });
    expect(sent.map((r) => r.redirect_uri)).toEqual([configured, configured]);
  });

  it('refuses any other redirect URI (400) and asks Plaid nothing', async () => {
    const { ctx, sent } = context({ PLAID_REDIRECT_URI: configured });
    for (const other of ['https://attacker.example/oauth', `${configured}/../evil`, `${configured}?next=https://evil.example`, 'http://app.example.com/plaid/oauth-return']) {
      const e = await createLinkToken(ctx, { redirect_uri: other }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(HttpError);
      expect(e).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining(configured) });
    }
    expect(sent).toEqual([]);
  });

  it('without a configured redirect URI sends none and refuses one from the caller', async () => {
    const { ctx, sent } = context({});
    await createLinkToken(ctx, {});
    expect(sent[0]).not.toHaveProperty('redirect_uri');
    await expect(createLinkToken(ctx, { redirect_uri: configured })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/no OAuth redirect URI/) });
    expect(sent).toHaveLength(1);
  });
});
