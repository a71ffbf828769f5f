// Plaid's request and error rules, each as Plaid applies them (README § Realism): error bodies with
// exactly the fields Plaid's HTTP errors carry, UNKNOWN_FIELDS, MISSING_FIELDS for absent keys, `null` as
// an absent optional field (`cursor: null`; not an `options` the spec says must not be null),
// single-use public tokens, webhook URL validation,
// /sandbox/item/fire_webhook's documented type/code pairs, and `null` for Liabilities lists Plaid
// returns as null.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeProblems, startTestEmulator, webhookReceiver, type TestEmulator } from './support.ts';

let emu: TestEmulator;
let hook: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 20, transactionsReadyDelayMs: 50 });
  hook = await webhookReceiver();
});

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await emu.close();
  await hook.close();
});

describe('error bodies', () => {
  it('carry exactly Plaid\'s seven HTTP error fields, with documentation_url as Plaid links it', async () => {
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      ['/accounts/get', { access_token: 'access-sandbox-nope' }, 'INVALID_ACCESS_TOKEN', 'https://plaid.com/docs/?ref=error#invalid-input-errors'],
      ['/transactions/sync', {}, 'MISSING_FIELDS', 'https://plaid.com/docs/?ref=error#invalid-request-errors'],
      ['/transactions/teleport', {}, 'NOT_FOUND', 'https://plaid.com/docs/?ref=error#invalid-request-errors'],
    ];
    for (const [path, body, code, url] of cases) {
      const r = await emu.plaid(path, body);
      expect(Object.keys(r.body).sort()).toEqual(['display_message', 'documentation_url', 'error_code', 'error_message', 'error_type', 'request_id', 'suggested_action']);
      expect(r.body).toMatchObject({ error_code: code, documentation_url: url, suggested_action: null });
    }
    const { access_token } = await emu.newItem();
    await emu.plaid('/sandbox/item/reset_login', { access_token });
    const login = await emu.plaid('/accounts/get', { access_token });
    expect(login.body).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', documentation_url: 'https://plaid.com/docs/?ref=error#item-errors' });
    expect(login.body.display_message).toMatch(/login details/);
    expect(login.body).not.toHaveProperty('status'); // the spec: status is only in webhooks
    // /item/get reports the Item's error without the webhook-only status and without a request_id of its own
    const item = (await emu.plaid('/item/get', { access_token })).body.item;
    expect(item.error).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED', error_code_reason: null });
    expect(item.error).not.toHaveProperty('status');
    expect(item.error).not.toHaveProperty('request_id');
  });
});

describe('request fields', () => {
  it('refuses fields the endpoint does not know with UNKNOWN_FIELDS, nested ones by path', async () => {
    const { access_token } = await emu.newItem();
    const top = await emu.plaid('/accounts/get', { access_token, colour: 'blue' });
    expect(top).toMatchObject({ status: 400, body: { error_type: 'INVALID_REQUEST', error_code: 'UNKNOWN_FIELDS', error_message: 'the following fields are not recognized by this endpoint: colour' } });
    const nested = await emu.plaid('/transactions/sync', { access_token, options: { include_original_description: true, sparkle: 1 } });
    expect(nested.body.error_message).toBe('the following fields are not recognized by this endpoint: options.sparkle');
    // Missing fields are reported before unknown ones, as Plaid does.
    expect((await emu.plaid('/transactions/sync', { colour: 'blue' })).body.error_code).toBe('MISSING_FIELDS');
    // client_id and secret in the body are known fields of every request.
    expect((await emu.plaid('/accounts/get', { access_token, client_id: 'test-client-id', secret: 'test-secret' })).status).toBe(200);
  });

  it('takes null for an optional field as absent: cursor: null is a first /transactions/sync, as Plaid\'s quickstart sends it', async () => {
    const { access_token, item_id } = await emu.newItem({ options: { webhook: hook.url } });
    const first = await emu.plaid('/transactions/sync', { access_token, cursor: null, count: 100 });
    expect(first).toMatchObject({ status: 200, body: { transactions_update_status: 'NOT_READY', next_cursor: '' } });
    await hook.next((r) => r.body.item_id === item_id && r.body.webhook_code === 'SYNC_UPDATES_AVAILABLE' && r.body.historical_update_complete === true);
    const all = await emu.plaid('/transactions/sync', { access_token, cursor: null, count: 100 });
    expect(all.body.added.length).toBeGreaterThan(0);
    // A required field sent as null is missing.
    expect((await emu.plaid('/transactions/sync', { access_token: null })).body.error_code).toBe('MISSING_FIELDS');
  });

  it('refuses null where the spec says it must not be null: "If specified, `options` must not be `null`"', async () => {
    const { access_token } = await emu.newItem();
    const refused = { status: 400, body: { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD', error_message: 'options must be of type object' } };
    expect(await emu.plaid('/transactions/sync', { access_token, options: null })).toMatchObject(refused);
    expect(await emu.plaid('/investments/holdings/get', { access_token, options: null })).toMatchObject(refused);
    expect(await emu.plaid('/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: ['US'], options: null })).toMatchObject(refused);
    expect(await emu.plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'], options: null })).toMatchObject(refused);
    // Where the spec says nothing of the kind, null is still absent.
    expect((await emu.plaid('/accounts/get', { access_token, options: null })).status).toBe(200);
  });

  it('refuses a Link language the spec does not list as supported', async () => {
    const base = { client_name: 'Nestfolio', country_codes: ['US'], user: { client_user_id: 'u' }, products: ['transactions'] };
    for (const language of ['klingon', 'EN', 'en-US', 'english']) {
      const r = await emu.plaid('/link/token/create', { ...base, language });
      expect(r.body).toMatchObject({ error_code: 'INVALID_FIELD', error_message: expect.stringContaining('language must be one of: da, nl, en') });
    }
    for (const language of ['en', 'fr', 'vi']) expect((await emu.plaid('/link/token/create', { ...base, language })).status).toBe(200);
  });

  it('validates webhook URLs where the spec says format: url', async () => {
    const base = { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, products: ['transactions'] };
    for (const webhook of ['not a url', 'ftp://example.com/hook', 'https://']) {
      const r = await emu.plaid('/link/token/create', { ...base, webhook });
      expect(r.body).toMatchObject({ error_code: 'INVALID_FIELD', error_message: 'webhook must be a valid URL' });
    }
    expect((await emu.plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'], options: { webhook: 'nope' } })).body.error_code).toBe('INVALID_FIELD');
    const { access_token } = await emu.newItem();
    expect((await emu.plaid('/item/webhook/update', { access_token, webhook: '/relative' })).body.error_code).toBe('INVALID_FIELD');
    expect((await emu.plaid('/link/token/create', { ...base, webhook: 'https://app.example.com/plaid' })).status).toBe(200);
  });
});

describe('public tokens', () => {
  it('are single-use: the second exchange answers INVALID_PUBLIC_TOKEN (update-mode tokens too)', async () => {
    const pt = await emu.plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'] });
    const first = await emu.plaid('/item/public_token/exchange', { public_token: pt.body.public_token });
    expect(first.status).toBe(200);
    const again = await emu.plaid('/item/public_token/exchange', { public_token: pt.body.public_token });
    expect(again).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_PUBLIC_TOKEN' } });
    // The control API still finds the Item by the spent token.
    expect((await emu.control('GET', `/__emulator/items/${pt.body.public_token}`)).item_id).toBe(first.body.item_id);
  });
});

describe('/sandbox/item/fire_webhook', () => {
  it('fires only the documented type/code pairs', async () => {
    const { access_token } = await emu.newItem({ products: ['transactions', 'liabilities'], options: { webhook: hook.url } });
    const fire = (webhook_code: string, webhook_type?: string) => emu.plaid('/sandbox/item/fire_webhook', { access_token, webhook_code, ...(webhook_type ? { webhook_type } : {}) });
    expect((await fire('SYNC_UPDATES_AVAILABLE', 'ITEM')).body).toMatchObject({ error_code: 'INVALID_FIELD' });
    expect((await fire('NEW_ACCOUNTS_AVAILABLE', 'TRANSACTIONS')).body.error_code).toBe('INVALID_FIELD');
    expect((await fire('DEFAULT_UPDATE', 'ITEM')).body.error_code).toBe('INVALID_FIELD');
    expect((await fire('ERROR')).body.error_code).toBe('SANDBOX_PRODUCT_NOT_ENABLED'); // ERROR is the Assets webhook
    expect((await fire('DEFAULT_UPDATE', 'HOLDINGS')).body.error_code).toBe('SANDBOX_PRODUCT_NOT_ENABLED');
    expect((await fire('DEFAULT_UPDATE', 'IDENTITY')).body.error_code).toBe('INVALID_FIELD'); // not in the spec's WebhookType
    for (const [c, t] of [['SYNC_UPDATES_AVAILABLE', undefined], ['DEFAULT_UPDATE', 'LIABILITIES'], ['DEFAULT_UPDATE', undefined], ['LOGIN_REPAIRED', 'ITEM'], ['RECURRING_TRANSACTIONS_UPDATE', 'TRANSACTIONS']] as const) {
      expect((await fire(c, t)).body, `${c} ${t}`).toMatchObject({ webhook_fired: true });
    }
  });
});

describe('nullable lists', () => {
  it('/liabilities/get answers null for a kind of liability the Item does not have (user_yuppie: no mortgage)', async () => {
    const { access_token } = await emu.newItem({ products: ['liabilities'], options: { override_username: 'user_yuppie', override_password: 'any' } });
    const r = await emu.plaid('/liabilities/get', { access_token });
    expect(r.status).toBe(200);
    expect(r.body.liabilities.mortgage).toBeNull();
    expect(r.body.liabilities.credit).toHaveLength(1);
    expect(r.body.liabilities.student).toHaveLength(1);
    // Filtered to the card only: the others are null too.
    const card = r.body.accounts.find((a: { type: string }) => a.type === 'credit');
    const only = await emu.plaid('/liabilities/get', { access_token, options: { account_ids: [card.account_id] } });
    expect(only.body.liabilities).toEqual({ credit: [expect.objectContaining({ account_id: card.account_id })], mortgage: null, student: null });
  });
});
