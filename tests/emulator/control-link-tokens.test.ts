// Control API reads that let a test check what a Plaid client sent, without touching Plaid's public API:
// the /link/token/create request behind a link token, and the Item behind a public token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ID, SECRET, exchangeProblems, startTestEmulator, type TestEmulator } from './support.ts';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 10 });
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await emu.close();
});

const base = { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-42' } };

describe('GET /__emulator/link-tokens/:link_token', () => {
  it('gives the /link/token/create request as accepted (never the client credentials) and no update item for a new connection', async () => {
    const request = {
      ...base, products: ['transactions'], optional_products: ['liabilities', 'investments'],
      transactions: { days_requested: 730 }, webhook: 'https://example.com/hook', redirect_uri: 'https://app.example.com/oauth',
    };
    // Credentials in the body (Plaid accepts them there too) are not part of what is shown.
    const res = await fetch(`${emu.url}/link/token/create`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...request, client_id: CLIENT_ID, secret: SECRET }),
    });
    expect(res.status).toBe(200);
    const created = { body: await res.json() };
    const got = await emu.control('GET', `/__emulator/link-tokens/${created.body.link_token}`);
    expect(got).toEqual({ link_token: created.body.link_token, expiration: created.body.expiration, update_item_id: null, request });
    expect(JSON.stringify(got)).not.toContain(SECRET);
  });

  it('names the Item of an update-mode token, whose request carries that Item\'s access token', async () => {
    const a = await emu.newItem();
    const b = await emu.newItem();
    const created = await emu.plaid('/link/token/create', { ...base, access_token: b.access_token, update: { account_selection_enabled: true } });
    const got = await emu.control('GET', `/__emulator/link-tokens/${created.body.link_token}`);
    expect(got.update_item_id).toBe(b.item_id);
    expect(got.update_item_id).not.toBe(a.item_id);
    expect(got.request).toEqual({ ...base, access_token: b.access_token, update: { account_selection_enabled: true } });
  });

  it('404 for a link token the emulator never issued', async () => {
    const res = await fetch(`${emu.url}/__emulator/link-tokens/link-sandbox-00000000-0000-0000-0000-000000000000`);
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/no link token/);
  });
});

describe('GET /__emulator/items/:item with a public token', () => {
  it('is the Item that public token belongs to (before any exchange), and the same Item the exchange gives', async () => {
    const pt = await emu.plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'] });
    const before = await emu.control('GET', `/__emulator/items/${pt.body.public_token}`);
    expect(before.item_id).toMatch(/\S/);
    const ex = await emu.plaid('/item/public_token/exchange', { public_token: pt.body.public_token });
    expect(before).toMatchObject({ item_id: ex.body.item_id, access_token: ex.body.access_token });
  });
});
