// The emulator against Plaid's OpenAPI spec: the committed extract of the spec is complete and
// consistent (that it is current is proven by `npm test` where the spec is at hand), every request it
// accepts and every response it sends validates against it, auth and request errors are Plaid's, and
// every implemented endpoint answers in spec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS, EXTRA_SCHEMAS, WEBHOOKS } from '../../local/plaid-emulator/spec/manifest.ts';
import { ROUTES } from '../../local/plaid-emulator/routes/index.ts';
import { toPlaidError } from '../../local/plaid-emulator/validate.ts';
import { CLIENT_ID, EXTRACT, SECRET, exchangeProblems, startTestEmulator, webhookProblems, webhookReceiver, code, type TestEmulator } from './support.ts';

let emu: TestEmulator;
let hook: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  emu = await startTestEmulator();
  hook = await webhookReceiver();
});

afterAll(async () => {
  // Acceptance: every request the emulator accepted and every response it sent, against the real spec.
  const problems = emu.exchanges.flatMap(exchangeProblems);
  expect(problems).toEqual([]);
  expect(emu.exchanges.length).toBeGreaterThan(30);
  expect(hook.received.flatMap((r) => webhookProblems(r.body))).toEqual([]);
  await emu.close();
  await hook.close();
});

/** Every `$ref` inside a schema node. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const v of node) refs(v, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('the spec extract (spec/plaid-schemas.json)', () => {
  it('records the spec it came from: API version, spec version and SHA-256', () => {
    expect(EXTRACT.apiVersion).toBe('2020-09-14');
    expect(EXTRACT.specVersion).toMatch(/^2020-09-14_\d+\.\d+\.\d+$/);
    expect(EXTRACT.specSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('was generated from the manifest as it is (else run npm run emulator:extract)', () => {
    expect(EXTRACT.endpoints).toEqual(ENDPOINTS);
    expect(EXTRACT.webhooks).toEqual(WEBHOOKS);
  });

  it('covers every path the emulator routes', () => {
    expect(Object.keys(ROUTES).sort()).toEqual(Object.keys(EXTRACT.endpoints).sort());
  });

  it('holds every schema the manifest names and everything they reference', () => {
    const named = [...Object.values(EXTRACT.endpoints).flat(), ...Object.values(EXTRACT.webhooks), ...EXTRA_SCHEMAS];
    expect(named.filter((n) => !(n in EXTRACT.definitions))).toEqual([]);
    const dangling = refs(EXTRACT.definitions).filter((r) => !(r.startsWith('#/definitions/') && r.slice('#/definitions/'.length) in EXTRACT.definitions));
    expect([...new Set(dangling)]).toEqual([]);
  });
});

describe('auth and request errors', () => {
  it('answers MISSING_FIELDS for absent keys and INVALID_API_KEYS for wrong ones, accepts keys in the body', async () => {
    const none = await fetch(emu.url + '/item/get', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ access_token: 'x' }) });
    const noneBody = await none.json();
    expect(none.status).toBe(400);
    expect(noneBody).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS', error_message: 'the following required fields are missing: client_id, secret' });
    expect(noneBody.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
    const noSecret = await fetch(emu.url + '/item/get', { method: 'POST', headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': CLIENT_ID }, body: JSON.stringify({ access_token: 'x', secret: null }) });
    expect((await noSecret.json()).error_message).toBe('the following required fields are missing: secret');
    const wrong = await emu.plaid('/item/get', { access_token: 'x' }, { 'PLAID-SECRET': 'nope' });
    expect(wrong.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS', display_message: null });
    const inBody = await fetch(emu.url + '/institutions/get_by_id', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: CLIENT_ID, secret: SECRET, institution_id: 'ins_109508', country_codes: ['US'] }),
    });
    expect(inBody.status).toBe(200);
    expect((await inBody.json()).institution.name).toBe('First Platypus Bank');
  });

  it('answers INVALID_BODY for malformed JSON and for non-JSON content types', async () => {
    const bad = await fetch(emu.url + '/item/get', { method: 'POST', headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET }, body: '{"access_token":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_BODY', error_message: 'body could not be parsed as JSON' });
    const form = await fetch(emu.url + '/item/get', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect((await form.json()).error_code).toBe('INVALID_BODY');
  });

  it('turns schema violations into MISSING_FIELDS and INVALID_FIELD', async () => {
    const missing = await emu.plaid('/transactions/sync', {});
    expect(missing.body).toMatchObject({ error_code: 'MISSING_FIELDS', error_message: 'the following required fields are missing: access_token' });
    const nested = await emu.plaid('/link/token/create', { client_name: 'x', language: 'en', country_codes: ['US'], user: {}, products: ['transactions'] });
    expect(nested.body.error_message).toBe('the following required fields are missing: user.client_user_id');
    const tooMany = await emu.plaid('/transactions/sync', { access_token: 'access-sandbox-x', count: 501 });
    expect(tooMany.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect(tooMany.body.error_message).toContain('count');
    const badEnum = await emu.plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['teleportation'] });
    expect(badEnum.body.error_code).toBe('INVALID_FIELD');
    const badDate = await emu.plaid('/investments/transactions/get', { access_token: 'a', start_date: '2024-13-01', end_date: '2024-01-01' });
    expect(badDate.body.error_code).toBe('INVALID_FIELD');
  });

  it('maps additionalProperties violations to UNKNOWN_FIELDS', () => {
    const err = toPlaidError([{ keyword: 'additionalProperties', instancePath: '/options', schemaPath: '', params: { additionalProperty: 'colour' } }]);
    expect(err.code).toBe('UNKNOWN_FIELDS');
    expect(err.vars.fields).toBe('options.colour');
  });

  it('answers NOT_FOUND (404) for unknown endpoints and INVALID_HEADERS for an unknown Plaid-Version', async () => {
    const nf = await emu.plaid('/transactions/teleport', {});
    expect(nf.status).toBe(404);
    expect(nf.body.error_code).toBe('NOT_FOUND');
    const v = await emu.plaid('/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: ['US'] }, { 'Plaid-Version': '1999-01-01' });
    expect(v.body.error_code).toBe('INVALID_HEADERS');
  });

  it('answers INVALID_ACCESS_TOKEN, INVALID_PUBLIC_TOKEN and ITEM_NOT_FOUND after /item/remove', async () => {
    expect((await emu.plaid('/accounts/get', { access_token: 'access-sandbox-nope' })).body.error_code).toBe('INVALID_ACCESS_TOKEN');
    expect((await emu.plaid('/item/public_token/exchange', { public_token: 'public-sandbox-nope' })).body.error_code).toBe('INVALID_PUBLIC_TOKEN');
    const { access_token } = await emu.newItem();
    expect((await emu.plaid('/item/remove', { access_token })).status).toBe(200);
    expect((await emu.plaid('/accounts/get', { access_token })).body.error_code).toBe('ITEM_NOT_FOUND');
  });
});

describe('every implemented endpoint answers in spec', () => {
  it('walks all endpoints on one Item', async () => {
    const lt = await emu.plaid('/link/token/create', {
      client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'u-1' },
      products: ['transactions'], optional_products: ['liabilities'], webhook: hook.url, transactions: { days_requested: 180 },
    });
    expect(lt.status).toBe(200);
    expect(lt.body.link_token).toMatch(/^link-sandbox-[0-9a-f-]{36}$/);
    const { access_token, item_id } = await emu.newItem({ products: ['transactions', 'liabilities', 'investments'], options: { webhook: hook.url, override_username: 'user_transactions_dynamic', override_password: 'any' } });
    const upd = await emu.plaid('/link/token/create', { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'u-1' }, access_token });
    expect(upd.status).toBe(200);
    for (const [path, body] of [
      ['/item/get', { access_token }],
      ['/accounts/get', { access_token }],
      ['/accounts/balance/get', { access_token }],
      ['/transactions/sync', { access_token, count: 500 }],
      ['/transactions/refresh', { access_token }],
      ['/sandbox/transactions/create', { access_token, transactions: [{ date_transacted: new Date().toISOString().slice(0, 10), date_posted: new Date().toISOString().slice(0, 10), amount: 12.5, description: 'Corner Shop' }] }],
      ['/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: ['US'], options: { include_optional_metadata: true, include_auth_metadata: true } }],
      ['/sandbox/item/fire_webhook', { access_token, webhook_code: 'DEFAULT_UPDATE', webhook_type: 'HOLDINGS' }],
      ['/item/webhook/update', { access_token, webhook: hook.url + '?v=2' }],
      ['/sandbox/item/reset_login', { access_token }],
      ['/item/get', { access_token }],
    ] as const) {
      const r = await emu.plaid(path, body as Record<string, unknown>);
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    // In ITEM_LOGIN_REQUIRED, data endpoints fail and /item/get reports the error.
    expect((await emu.plaid('/liabilities/get', { access_token })).body.error_code).toBe('ITEM_LOGIN_REQUIRED');
    const got = await emu.plaid('/item/get', { access_token });
    expect(got.body.item.error.error_code).toBe('ITEM_LOGIN_REQUIRED');
    await emu.control('POST', `/__emulator/items/${item_id}/login-repaired`);
    // user_transactions_dynamic has no investment accounts; user_good has them all.
    expect((await emu.plaid('/investments/holdings/get', { access_token })).body.error_code).toBe('NO_INVESTMENT_ACCOUNTS');
    const good = await emu.newItem({ products: ['transactions', 'liabilities', 'investments'] });
    for (const [path, body] of [
      ['/liabilities/get', { access_token }],
      ['/liabilities/get', { access_token: good.access_token }],
      ['/investments/holdings/get', { access_token: good.access_token }],
      ['/investments/transactions/get', { access_token: good.access_token, start_date: '2000-01-01', end_date: '2100-01-01', options: { count: 10 } }],
    ] as const) {
      const r = await emu.plaid(path, body as Record<string, unknown>);
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const key = await hook.next(code('WEBHOOK_UPDATE_ACKNOWLEDGED'));
    const kid = JSON.parse(Buffer.from(String(key.headers['plaid-verification']).split('.')[0], 'base64url').toString()).kid;
    expect((await emu.plaid('/webhook_verification_key/get', { key_id: kid })).status).toBe(200);
    expect((await emu.plaid('/webhook_verification_key/get', { key_id: 'nope' })).body.error_code).toBe('INVALID_WEBHOOK_VERIFICATION_KEY_ID');
    await hook.next(code('LOGIN_REPAIRED'));
    const seen = new Set(emu.exchanges.filter((x) => x.status === 200).map((x) => x.path));
    expect([...Object.keys(ENDPOINTS)].filter((p) => !seen.has(p) && p !== '/item/remove')).toEqual([]);
  });
});
