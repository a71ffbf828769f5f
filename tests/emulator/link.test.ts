// Link drop-in backend: sessions per link_token, sandbox credentials (wrong password, MFA, institution
// down), account selection, Plaid's onSuccess metadata shape, and update mode on an existing Item.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeProblems, startTestEmulator, webhookReceiver, type TestEmulator } from './support.ts';

let emu: TestEmulator;
let hook: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 40 });
  hook = await webhookReceiver();
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await emu.close();
  await hook.close();
});

async function link(path: string, body: Record<string, unknown>) {
  const res = await fetch(`${emu.url}/__emulator/link/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'http://app.example' }, body: JSON.stringify(body) });
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  return { status: res.status, body: await res.json() };
}

async function linkToken(extra: Record<string, unknown> = {}) {
  const r = await emu.plaid('/link/token/create', { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-1' }, ...extra });
  expect(r.status).toBe(200);
  return r.body.link_token as string;
}

describe('Link session', () => {
  it('lists only institutions that support the products and country, then logs in and links chosen accounts', async () => {
    const token = await linkToken({ products: ['transactions'], optional_products: ['liabilities'], webhook: hook.url });
    const s = await link('session', { link_token: token });
    expect(s.body.mode).toBe('create');
    const ids = s.body.institutions.map((i: { institution_id: string }) => i.institution_id);
    expect(ids).toContain('ins_109508');
    expect(ids).not.toContain('ins_116834'); // GB only
    const bad = await link('login', { link_session_id: s.body.link_session_id, institution_id: 'ins_109508', username: 'user_good', password: 'wrong' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'INVALID_CREDENTIALS', display_message: 'The provided credentials were not correct. Please try again.' });
    const ok = await link('login', { link_session_id: s.body.link_session_id, institution_id: 'ins_109508', username: 'user_good', password: 'pass_good' });
    expect(ok.body.accounts.map((a: { mask: string }) => a.mask)).toContain('3333');
    const done = await link('complete', { link_session_id: s.body.link_session_id, account_masks: ['0000', '3333'] });
    expect(done.status).toBe(200);
    const md = done.body.metadata;
    expect(Object.keys(md).sort()).toEqual(['accounts', 'institution', 'link_session_id', 'public_token', 'transfer_status']);
    expect(md).toMatchObject({ institution: { name: 'First Platypus Bank', institution_id: 'ins_109508' }, link_session_id: s.body.link_session_id, transfer_status: null, public_token: done.body.public_token });
    expect(md.accounts.map((a: Record<string, unknown>) => Object.keys(a).sort())).toEqual([['id', 'mask', 'name', 'subtype', 'type', 'verification_status'], ['id', 'mask', 'name', 'subtype', 'type', 'verification_status']]);
    const ex = await emu.plaid('/item/public_token/exchange', { public_token: done.body.public_token });
    const accounts = await emu.plaid('/accounts/get', { access_token: ex.body.access_token });
    expect(accounts.body.accounts.map((a: { account_id: string }) => a.account_id)).toEqual(md.accounts.map((a: { id: string }) => a.id));
    expect(accounts.body.item.billed_products).toEqual(['liabilities', 'transactions']);
    expect(accounts.body.item.webhook).toBe(hook.url);
    // the session is finished
    expect((await link('complete', { link_session_id: s.body.link_session_id })).status).toBe(400);
  });

  it('handles MFA (code 1234), institution errors and bad link tokens', async () => {
    const token = await linkToken({ products: ['transactions'] });
    const s = (await link('session', { link_token: token })).body;
    const mfa = await link('login', { link_session_id: s.link_session_id, institution_id: 'ins_109508', username: 'user_good', password: 'mfa_device' });
    expect(mfa.body.mfa.type).toBe('device');
    expect((await link('login', { link_session_id: s.link_session_id, mfa_code: '0000' })).body.error.error_code).toBe('INVALID_MFA');
    expect((await link('login', { link_session_id: s.link_session_id, mfa_code: '1234' })).body.accounts.length).toBeGreaterThan(0);
    const down = await link('login', { link_session_id: s.link_session_id, institution_id: 'ins_132361', username: 'user_good', password: 'pass_good' });
    expect(down.body.error).toMatchObject({ error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_DOWN' });
    const locked = await link('login', { link_session_id: s.link_session_id, institution_id: 'ins_109508', username: 'user_good', password: 'error_ITEM_LOCKED' });
    expect(locked.body.error.error_code).toBe('ITEM_LOCKED');
    expect((await link('session', { link_token: 'link-sandbox-nope' })).body.error.error_code).toBe('INVALID_LINK_TOKEN');
  });

  it('update mode re-authenticates the same Item without a new exchange and without LOGIN_REPAIRED', async () => {
    const { access_token, item_id } = await emu.newItem({ options: { webhook: hook.url } });
    await emu.plaid('/sandbox/item/reset_login', { access_token });
    await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'ERROR');
    const token = await linkToken({ access_token });
    const s = (await link('session', { link_token: token })).body;
    expect(s.mode).toBe('update');
    expect(s.update).toMatchObject({ item_id, institution: { institution_id: 'ins_109508' }, account_selection_enabled: false });
    await link('login', { link_session_id: s.link_session_id, username: 'user_good', password: 'pass_good' });
    const done = (await link('complete', { link_session_id: s.link_session_id })).body;
    expect(done.metadata.accounts.length).toBe(11);
    expect((await emu.plaid('/accounts/get', { access_token })).status).toBe(200);
    const ex = await emu.plaid('/item/public_token/exchange', { public_token: done.public_token });
    expect(ex.body.access_token).toBe(access_token);
    // a marker webhook after the repair: LOGIN_REPAIRED must not have been sent before it
    await emu.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'NEW_ACCOUNTS_AVAILABLE');
    expect(hook.received.filter((r) => r.body.item_id === item_id).map((r) => r.body.webhook_code)).not.toContain('LOGIN_REPAIRED');
  });

  it('serves link-initialize.js at Plaid\'s CDN path with CORS', async () => {
    const res = await fetch(`${emu.url}/link/v2/stable/link-initialize.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toContain('window.Plaid.create = create');
  });
});
