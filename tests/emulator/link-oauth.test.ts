// Plaid's Sandbox OAuth institutions through the Link backend (plaid.com/docs/link/oauth): a link token
// needs a redirect_uri for them; Link hands the browser to the bank's page, the bank sends it back to
// redirect_uri?oauth_state_id=, and the session completes only when Link is re-opened with
// receivedRedirectUri — once, with the same link token (Plaid's OAuth errors otherwise).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeProblems, startTestEmulator, type TestEmulator } from './support.ts';

let emu: TestEmulator;
const REDIRECT = 'http://localhost:5173/oauth-return';

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 20 });
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await emu.close();
});

async function link(path: string, body: Record<string, unknown>) {
  const res = await fetch(`${emu.url}/__emulator/link/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function linkToken(extra: Record<string, unknown> = {}) {
  const r = await emu.plaid('/link/token/create', { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'oauth-user' }, products: ['transactions'], ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.link_token as string;
}

/** The bank's sign-in form, as a browser would post it; returns the response (a 303 on success). */
async function bankSignIn(oauthUrl: string, username: string, password: string) {
  const stateId = new URL(oauthUrl).searchParams.get('oauth_state_id')!;
  return await fetch(`${emu.url}/__emulator/oauth/authorize`, {
    method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ oauth_state_id: stateId, username, password }).toString(),
  });
}

describe('OAuth institutions', () => {
  it('are Plaid\'s Sandbox OAuth banks, marked oauth', async () => {
    const s = await link('session', { link_token: await linkToken() });
    const oauth = s.body.institutions.filter((i: { oauth: boolean }) => i.oauth).map((i: { institution_id: string }) => i.institution_id);
    expect(oauth).toEqual(expect.arrayContaining(['ins_127287', 'ins_132241']));
    for (const id of ['ins_127287', 'ins_132241']) {
      expect((await emu.plaid('/institutions/get_by_id', { institution_id: id, country_codes: ['US'] })).body.institution.oauth).toBe(true);
    }
  });

  it('need a link token created with a redirect_uri, which must be https (http only for localhost) without a query', async () => {
    const s = await link('session', { link_token: await linkToken() });
    const r = await link('oauth', { link_session_id: s.body.link_session_id, institution_id: 'ins_127287' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ error_code: 'INVALID_FIELD' });
    expect(r.body.error.error_message).toContain('redirect_uri');
    for (const bad of ['http://app.example.com/oauth', 'https://app.example.com/oauth?x=1', 'not a uri']) {
      expect((await emu.plaid('/link/token/create', { client_name: 'N', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, products: ['transactions'], redirect_uri: bad })).body.error_code).toBe('INVALID_FIELD');
    }
    // Credentials are never taken in Link for an OAuth bank.
    const login = await link('login', { link_session_id: s.body.link_session_id, institution_id: 'ins_127287', username: 'user_good', password: 'pass_good' });
    expect(login.body.error.error_code).toBe('INVALID_INSTITUTION');
  });

  it('go to the bank and back to redirect_uri?oauth_state_id=, and finish only when Link is re-opened with receivedRedirectUri', async () => {
    const token = await linkToken({ redirect_uri: REDIRECT });
    const s = await link('session', { link_token: token });
    const start = await link('oauth', { link_session_id: s.body.link_session_id, institution_id: 'ins_127287' });
    expect(start.status).toBe(200);
    const oauthUrl: string = start.body.oauth_url;
    expect(oauthUrl).toMatch(new RegExp(`^${emu.url}/__emulator/oauth/authorize\\?oauth_state_id=`));
    const pageHtml = await (await fetch(oauthUrl)).text();
    expect(pageHtml).toContain('Platypus OAuth Bank');
    // Not finished before the redirect: the session cannot complete yet.
    expect((await link('complete', { link_session_id: s.body.link_session_id })).body.error.error_code).toBe('INVALID_CREDENTIALS');
    // Coming back without having allowed access at the bank.
    const early = await link('session', { link_token: token, received_redirect_uri: `${REDIRECT}?oauth_state_id=${new URL(oauthUrl).searchParams.get('oauth_state_id')}` });
    expect(early.body.error.error_code).toBe('ACCESS_NOT_GRANTED');

    const wrong = await bankSignIn(oauthUrl, 'user_good', 'nope');
    expect(wrong.status).toBe(200);
    expect(await wrong.text()).toContain('role="alert"');
    const ok = await bankSignIn(oauthUrl, 'user_good', 'pass_good');
    expect(ok.status).toBe(303);
    const back = new URL(ok.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    const received = back.toString();

    expect((await link('session', { link_token: await linkToken({ redirect_uri: REDIRECT }), received_redirect_uri: received })).body.error).toMatchObject({ error_type: 'OAUTH_ERROR', error_code: 'INCORRECT_LINK_TOKEN' });
    expect((await link('session', { link_token: token, received_redirect_uri: `${REDIRECT}?oauth_state_id=nope` })).body.error.error_code).toBe('OAUTH_STATE_ID_NOT_FOUND');
    const resumed = await link('session', { link_token: token, received_redirect_uri: received });
    expect(resumed.status).toBe(200);
    expect(resumed.body.oauth_resume.institution).toEqual({ institution_id: 'ins_127287', name: 'Platypus OAuth Bank', oauth: true });
    expect(resumed.body.oauth_resume.accounts.length).toBeGreaterThan(3);
    expect((await link('session', { link_token: token, received_redirect_uri: received })).body.error.error_code).toBe('OAUTH_STATE_ID_ALREADY_PROCESSED');

    const done = await link('complete', { link_session_id: resumed.body.link_session_id, account_masks: ['0000'] });
    expect(done.body.metadata.institution).toEqual({ name: 'Platypus OAuth Bank', institution_id: 'ins_127287' });
    const ex = await emu.plaid('/item/public_token/exchange', { public_token: done.body.public_token });
    const item = (await emu.plaid('/item/get', { access_token: ex.body.access_token })).body.item;
    expect(item.institution_id).toBe('ins_127287');
  });

  it('update mode for an OAuth Item goes through the bank too, and repairs the same Item', async () => {
    const pt = await emu.plaid('/sandbox/public_token/create', { institution_id: 'ins_127287', initial_products: ['transactions'] });
    const { access_token } = (await emu.plaid('/item/public_token/exchange', { public_token: pt.body.public_token })).body;
    await emu.plaid('/sandbox/item/reset_login', { access_token });
    const token = await linkToken({ access_token, products: undefined, redirect_uri: REDIRECT });
    const s = await link('session', { link_token: token });
    expect(s.body.update.institution).toEqual({ institution_id: 'ins_127287', name: 'Platypus OAuth Bank', oauth: true });
    const start = await link('oauth', { link_session_id: s.body.link_session_id });
    const ok = await bankSignIn(start.body.oauth_url, 'user_good', 'pass_good');
    const resumed = await link('session', { link_token: token, received_redirect_uri: ok.headers.get('location') });
    expect(resumed.body.mode).toBe('update');
    const done = await link('complete', { link_session_id: resumed.body.link_session_id });
    expect(done.status).toBe(200);
    expect((await emu.plaid('/accounts/get', { access_token })).status).toBe(200);
  });
});
