// Hostile input, structurally: every function in supabase/functions (the list is read from the folder,
// so a new function fails this file until it has a driver) gets bodies fast-check generates — every JSON
// type, huge and empty strings, NUL characters and unpaired surrogates in values and keys, nesting
// 20,000 levels deep, dates such as 0000-01-01 and 2024-02-30, numbers at and past every column's range,
// the caller's own ids and other users' — and plaid-webhook gets them signed with Plaid's key. Nothing
// may answer 5xx, and a 4xx writes nothing: the acting user's rows in every public table are counted
// before and after each call (and no Vault secret is ever left without its item). A 2xx is a request
// that was valid after all: it may write, and the count starts again from there.
// Random choices come from PROPERTY_SEED (a failure prints the seed and fast-check's counterexample).
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/paths.ts';
import type { LocalSession } from '../../local/session.ts';
import { connectItem } from '../support/functions.ts';
import { reportSeedOnFailure, testSeed } from '../support/seed.ts';
import { newSession, testStack } from '../support/stack.ts';
import { plaidItemId, waitForIdle, waitForImport } from '../support/sync.ts';
import { signature } from '../support/webhooks.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

const RUNS = 100;

// What a caller can send ---------------------------------------------------------------------------------

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
/** Strings Postgres or our checks must handle: NUL, unpaired surrogates, RTL overrides, SQL, huge, empty. */
const hostileString = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\udbff\udfff', '\u202eevil', "'; drop table public.accounts; --",
    '<img src=x onerror=alert(1)>', '../../.state/keys.json', '0000-01-01', '2024-02-30', '9999-12-31', '10000-01-01', 'NaN', 'Infinity',
    '-0', '1e400', '9'.repeat(17), '9999999999999999.99999', 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(5000), '🏦'.repeat(100),
    'public-sandbox-00000000-0000-0000-0000-000000000000', 'sb_secret_x', 'javascript:alert(1)', 'http://127.0.0.1:1/'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
);
/** Text that looks right but that Postgres cannot store: a NUL or an unpaired surrogate somewhere in it. */
const unstorableText = fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\udbff'), fc.string({ maxLength: 12 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`);
/** Numbers at and past the ranges of our fields and columns (limit 1..100, ints, doubles, money). */
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 99, 100, 101, 2 ** 31 - 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e16, 1.2e16, 1e17, 1e308, -1e308, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'a\u0000', '\ud800', '', 'item_id', 'surprise'), fc.string({ maxLength: 8 }));
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: hostileString }, { weight: 2, arbitrary: hostileNumber }, fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 })),
})).value;

/** Raw bodies JSON.stringify cannot write: nesting 20,000 deep, 1e400, -0, duplicate keys, not JSON at all. */
const rawBodies = fc.constantFrom(
  `{"item_id":${deep(20_000)}}`, deep(20_000), `{"limit": 1e400}`, `{"limit": -0}`, `{"amount": 1e-400}`, `{"a": 1, "a": 2}`,
  `{"__proto__": {"admin": true}}`, '', '\ufeff{}', 'null', '0', '"x"', '[]', 'true', '{', '{"a":"\\u0000"}', '{"\\ud800":1}',
  `{"after": {"date": "0000-01-01", "id": "00000000-0000-0000-0000-000000000000"}}`, '{"public_token": "public-sandbox-\\u0000"}',
);

type Body = { json: unknown } | { raw: string };
type Path = string[];

/** body with the value at path replaced (objects on the way are created or copied). */
function setAt(body: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const base = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
  base[path[0]] = setAt(base[path[0]], path.slice(1), value);
  return base;
}

/**
 * Bodies for a function: mostly a valid one with one or two of its fields (nested ones too) replaced by
 * hostile values, so the hostility reaches the code behind the validation that a wholly wrong body stops
 * at; sometimes that plus a stray key; sometimes any JSON at all, or raw text JSON.stringify cannot write.
 */
function bodies(valid: fc.Arbitrary<Record<string, unknown>>, paths: Path[]): fc.Arbitrary<Body> {
  const replacement = fc.oneof({ weight: 4, arbitrary: unstorableText }, { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: hostileNumber }, { weight: 1, arbitrary: hostileValue });
  const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.constantFrom(...paths), replacement), { minLength: 1, maxLength: 2 }))
    .map(([body, changes]) => changes.reduce<unknown>((b, [path, v]) => setAt(b, path, v), body));
  return fc.oneof(
    { weight: 6, arbitrary: mutated.map((json) => ({ json })) },
    { weight: 1, arbitrary: fc.tuple(mutated, hostileKey, hostileValue).map(([b, k, v]) => ({ json: { ...(b as object), [k]: v } })) },
    { weight: 1, arbitrary: valid.map((json) => ({ json })) },
    { weight: 1, arbitrary: hostileValue.map((json) => ({ json })) },
    { weight: 1, arbitrary: rawBodies.map((raw) => ({ raw })) },
  );
}
const keysOf = (...paths: string[]): Path[] => paths.map((p) => p.split('.'));

// The acting user, their item, and what they own -------------------------------------------------------

let s: LocalSession;
let other: LocalSession;
/** plaid-data-delete's caller: a valid body deletes everything it has, so not the user the others share. */
let deleter: LocalSession;
let ids: { item: string; plaidItem: string; synced: string; manual: string; othersItem: string; othersAccount: string;
  /** A synced account and a manual one that link (same kind and currency), a closed manual one that would. */
  linkSynced: string; linkManual: string; closedManual: string };
let userTables: string[];

beforeAll(async () => {
  s = await newSession('hostile');
  other = await newSession('hostile-other');
  deleter = await newSession('hostile-deleter');
  const item = await connectItem(s, { username: 'user_custom', password: JSON.stringify({ emulator: { history_size: 20 } }), webhook: true });
  const theirs = await connectItem(other);
  await connectItem(deleter);
  await sql`insert into public.accounts (user_id, name, type) values (${deleter.user_id}, 'Savings tin', 'other')`;
  await waitForImport(item.id);
  const [manual] = await sql`insert into public.accounts (user_id, name, type) values (${s.user_id}, 'Cash jar', 'other') returning id`;
  const [linkSynced] = await sql`select a.id from public.accounts a where a.user_id = ${s.user_id} and a.source = 'plaid'
    and a.type = 'depository' and a.currency = 'USD' and a.id <> ${item.accounts[0].id} order by a.id limit 1`;
  const [linkManual, closedManual] = await sql`insert into public.accounts (user_id, name, type, currency, closed_at)
    values (${s.user_id}, 'Old checking', 'depository', 'USD', null), (${s.user_id}, 'Closed checking', 'depository', 'USD', now()) returning id`;
  ids = {
    item: item.id, plaidItem: await plaidItemId(item.id), synced: item.accounts[0].id, manual: manual.id,
    othersItem: theirs.id, othersAccount: theirs.accounts[0].id,
    linkSynced: linkSynced.id, linkManual: linkManual.id, closedManual: closedManual.id,
  };
  userTables = (await sql`select c.table_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema = 'public' and c.column_name = 'user_id' order by 1`).map((r) => r.table_name as string);
}, 60_000);

/** The user's rows in every public table (but `exclude`), and Vault secrets left without their item (anyone's). */
async function footprint(userId: string, exclude: string[]): Promise<Record<string, number>> {
  const counts = await Promise.all(userTables.filter((t) => !exclude.includes(t)).map(async (t) =>
    [t, (await sql`select count(*)::int as n from ${sql('public')}.${sql(t)} where user_id = ${userId}`)[0].n] as const));
  const [{ n: orphans }] = await sql`select count(*)::int as n from vault.secrets s where s.name like 'plaid_access_token:%'
    and not exists (select 1 from public.plaid_items i where s.name = 'plaid_access_token:' || i.id)`;
  return { ...Object.fromEntries(counts), orphan_vault_secrets: orphans };
}

async function send(path: string, body: Body | null, headers: Record<string, string>, method = 'POST') {
  const res = await fetch(`${testStack.apiUrl}/functions/v1/${path}`, {
    method, headers: { 'Content-Type': 'application/json', ...headers },
    body: body === null || method === 'GET' ? undefined : 'raw' in body ? body.raw : JSON.stringify(body.json),
  });
  const text = await res.text();
  appendFileSync(join(testStack.stateDir, 'responses.ndjson'), `${JSON.stringify({ fn: path, status: res.status, text })}\n`);
  return { status: res.status, text };
}

const userHeaders = (as = s) => ({ apikey: testStack.keys.publishableKey, Authorization: `Bearer ${as.access_token}` });
const secretHeaders = () => ({ apikey: testStack.keys.secretKey });

/** After a 2xx (a valid request after all) the background work it started finishes before the next count. */
async function settle() {
  for (const product of ['transactions', 'liabilities', 'investments']) await waitForIdle(ids.item, product);
}

/** The property for one function: no 5xx; a 4xx writes nothing. */
async function check(label: string, arb: fc.Arbitrary<Body>, call: (b: Body) => Promise<{ status: number; text: string }>, exclude: string[] = [], actor = s) {
  reportSeedOnFailure('tests/functions/hostile-input.test.ts');
  const writer = actor.user_id;
  let before = await footprint(writer, exclude);
  await fc.assert(fc.asyncProperty(arb, async (body) => {
    // The rate limits would turn most calls into an early 429: start each from full buckets, so every
    // body reaches the code behind them.
    await sql`delete from private.rate_limits where key like ${`%${writer}%`} or key like ${`%${ids.item}%`} or key = 'webhook_key_lookup'`;
    const res = await call(body);
    expect(res.status, `${label} answered ${res.status}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
    if (res.status >= 400) {
      expect(JSON.parse(res.text).error?.code, `${label}: a 4xx in the envelope`).toMatch(/^[A-Z_]+$/);
      expect(await footprint(writer, exclude), `${label} answered ${res.status} but wrote`).toEqual(before);
    } else {
      await settle();
      before = await footprint(writer, exclude);
    }
    expect(before.orphan_vault_secrets).toBe(0);
  }), { numRuns: RUNS, seed: testSeed, endOnFailure: true });
}

// The ids a caller may send: their own, another user's, none at all --------------------------------------
const anyId = () => fc.constantFrom(ids.item, ids.synced, ids.manual, ids.othersItem, ids.othersAccount, crypto.randomUUID(), 'not-a-uuid');
const itemId = () => fc.constantFrom(ids.item, ids.othersItem, crypto.randomUUID());

const text = (max: number) => fc.string({ minLength: 1, maxLength: max });
const isoDate = fc.date({ min: new Date('2000-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const money = fc.integer({ min: -1_000_000, max: 1_000_000 }).map((c) => (c / 100).toFixed(2));
const chartRange = fc.constantFrom('1M', '3M', '1Y', 'ALL');
/** The explorer's filters (transactions-search and transactions-export take the same). */
const explorerFilters = () => ({
  query: text(20), account_ids: fc.array(anyId(), { minLength: 1, maxLength: 3 }), from: isoDate, to: isoDate,
  categories: fc.array(fc.constantFrom('FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE', 'TRANSPORTATION'), { minLength: 1, maxLength: 2 }),
  status: fc.constantFrom('all', 'pending', 'posted'), direction: fc.constantFrom('in', 'out'),
  min_amount: money.map((m) => m.replace('-', '')), max_amount: money.map((m) => m.replace('-', '')),
});
const explorerKeys = ['query', 'account_ids', 'from', 'to', 'categories', 'status', 'direction', 'min_amount', 'max_amount'];

/** Each function in supabase/functions, driven: a valid body and the fields hostility replaces. */
const drivers: Record<string, () => Promise<void>> = {
  // Links that succeed (then unlinks that do) are frequent enough that hostility also meets a linked
  // account: linking it again, closing or deleting it, unlinking twice. Unlinked at the end.
  'accounts-link': async () => {
    const linkIds = () => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(ids.linkSynced, ids.linkManual) },
      fc.constantFrom(ids.closedManual, ids.manual), anyId());
    const pair = { synced_account_id: linkIds(), manual_account_id: linkIds() };
    await check('accounts-link', bodies(fc.oneof(
      fc.record(pair), fc.record({ action: fc.constant('link'), ...pair }),
      fc.record({ action: fc.constant('unlink'), account_id: linkIds() })), keysOf('synced_account_id', 'manual_account_id', 'action', 'account_id')),
    (b) => send('accounts-link', b, userHeaders()));
    await send('accounts-link', { json: { action: 'unlink', account_id: ids.linkManual } }, userHeaders());
  },
  'accounts-manual': () => check('accounts-manual', bodies(fc.oneof(
    fc.record({ action: fc.constant('create'), name: text(30), type: fc.constantFrom('depository', 'credit', 'loan', 'investment', 'other'),
      subtype: text(20), current_balance: money, currency: fc.constantFrom('USD', 'EUR', 'ABC', 'POUNDS', 'XTS', 'gbp') }, { requiredKeys: ['action', 'name', 'type'] }),
    fc.record({ action: fc.constant('update'), account_id: fc.constantFrom(ids.manual, ids.synced, ids.othersAccount, ids.closedManual, crypto.randomUUID()),
      name: text(30), display_name: text(30), type: fc.constantFrom('depository', 'credit', 'brokerage', 'other'), subtype: text(20),
      current_balance: money, hidden: fc.boolean(), closed: fc.boolean(), exclude_from_totals: fc.boolean(),
      currency: fc.constantFrom('GBP', 'ABC', 'ZZZ', 'usd', 'XXX') }, { requiredKeys: ['action', 'account_id'] }),
    fc.record({ action: fc.constant('delete'), account_id: fc.constantFrom(ids.synced, ids.othersAccount, crypto.randomUUID()) }),
  ), keysOf('action', 'name', 'display_name', 'type', 'subtype', 'current_balance', 'currency', 'hidden', 'closed', 'exclude_from_totals', 'account_id')),
  (b) => send('accounts-manual', b, userHeaders())),
  health: () => check('health', fc.tuple(fc.constantFrom('', 'none', 'user', 'publishable', 'secret', 'constructor', '__proto__', '%00', 'user%2F..'), fc.constantFrom('GET', 'POST'))
    .map(([mode, method]) => ({ raw: JSON.stringify({ mode, method }) })),
  async (b) => {
    const { mode, method } = JSON.parse((b as { raw: string }).raw);
    return await send(`health${mode ? `/${mode}` : ''}`, null, userHeaders(), method);
  }),
  // The insights reads: net worth, an account's history and holdings, the explorer and its CSV export.
  'net-worth': () => check('net-worth', bodies(fc.record({ range: chartRange }, { requiredKeys: [] }), keysOf('range')),
    (b) => send('net-worth', b, userHeaders())),
  'balance-history': () => check('balance-history', bodies(fc.record({ account_id: anyId(), range: chartRange }, { requiredKeys: ['account_id'] }),
    keysOf('account_id', 'range')), (b) => send('balance-history', b, userHeaders())),
  investments: () => check('investments', bodies(fc.record({ account_id: anyId(), limit: fc.integer({ min: 1, max: 100 }),
    after: fc.record({ date: isoDate, id: fc.uuid() }) }, { requiredKeys: ['account_id'] }), keysOf('account_id', 'limit', 'after', 'after.date', 'after.id')),
  (b) => send('investments', b, userHeaders())),
  'transactions-search': () => check('transactions-search', bodies(fc.record({ ...explorerFilters(), limit: fc.integer({ min: 1, max: 200 }),
    after: fc.record({ date: isoDate, id: fc.uuid() }) }, { requiredKeys: [] }), keysOf(...explorerKeys, 'limit', 'after', 'after.date', 'after.id')),
  (b) => send('transactions-search', b, userHeaders())),
  'transactions-export': () => check('transactions-export', bodies(fc.record(explorerFilters(), { requiredKeys: [] }), keysOf(...explorerKeys)),
    (b) => send('transactions-export', b, userHeaders())),
  'plaid-accounts': () => check('plaid-accounts', bodies(fc.constant({}), keysOf('x')), (b) => send('plaid-accounts', b, userHeaders())),
  'plaid-data-delete': () => check('plaid-data-delete', bodies(fc.record({ confirm: fc.constant('delete all my bank data') }), keysOf('confirm')),
    (b) => send('plaid-data-delete', b, userHeaders(deleter)), [], deleter),
  'plaid-balance': () => check('plaid-balance', bodies(fc.record({ item_id: itemId() }), keysOf('item_id')), (b) => send('plaid-balance', b, userHeaders())),
  'plaid-exchange-token': () => check('plaid-exchange-token', bodies(fc.record({
    public_token: fc.uuid().map((u) => `public-sandbox-${u}`),
    metadata: fc.record({ institution: fc.record({ institution_id: fc.constant('ins_109508'), name: text(30) }),
      accounts: fc.array(fc.record({ id: text(20), name: text(20), mask: fc.constant('0000') }), { maxLength: 2 }), link_session_id: text(30) }),
  }), keysOf('public_token', 'metadata', 'metadata.institution', 'metadata.institution.name', 'metadata.institution.institution_id',
    'metadata.accounts', 'metadata.link_session_id')),
  (b) => send('plaid-exchange-token', b, userHeaders())),
  // Never the caller's own item: a removal would be a valid request (the remove race is tests/functions/rate-limits.test.ts's).
  'plaid-item-remove': () => check('plaid-item-remove', bodies(
    fc.record({ item_id: fc.constantFrom(ids.othersItem, crypto.randomUUID()), keep_history: fc.boolean() }), keysOf('item_id', 'keep_history')),
  (b) => send('plaid-item-remove', b, userHeaders())),
  // Scheduler-only: the database calls these with the secret key (a status check, a removal-queue entry).
  'plaid-item-removal': () => check('plaid-item-removal', bodies(fc.record({ removal_id: fc.constantFrom(crypto.randomUUID(), ids.item, 'not-a-uuid') }),
    keysOf('removal_id')), (b) => send('plaid-item-removal', b, secretHeaders())),
  'plaid-item-status': () => check('plaid-item-status', bodies(fc.record({ item_id: anyId() }), keysOf('item_id')),
    (b) => send('plaid-item-status', b, secretHeaders())),
  'plaid-item-repaired': () => check('plaid-item-repaired', bodies(fc.record({ item_id: itemId(), account_selection: fc.boolean() }),
    keysOf('item_id', 'account_selection')), (b) => send('plaid-item-repaired', b, userHeaders())),
  'plaid-link-check': () => check('plaid-link-check', bodies(fc.record({
    metadata: fc.record({ institution: fc.record({ institution_id: fc.constantFrom('ins_109508', 'ins_109509'), name: text(30) }),
      accounts: fc.array(fc.record({ id: text(20), name: text(20), mask: fc.constantFrom('0000', '1111'), type: fc.constantFrom('depository', 'credit'),
        subtype: text(10) }), { maxLength: 3 }), link_session_id: text(30) }),
  }), keysOf('metadata', 'metadata.institution', 'metadata.institution.institution_id', 'metadata.institution.name', 'metadata.accounts',
    'metadata.link_session_id')), (b) => send('plaid-link-check', b, userHeaders())),
  'plaid-link-token': () => check('plaid-link-token', bodies(fc.record({ item_id: itemId(), account_selection: fc.boolean() }, { requiredKeys: [] }),
    keysOf('item_id', 'account_selection', 'redirect_uri')), (b) => send('plaid-link-token', b, userHeaders())),
  'plaid-sync': async () => {
    await check('plaid-sync (user)', bodies(fc.record({ item_id: itemId() }), keysOf('item_id')), (b) => send('plaid-sync', b, userHeaders()));
    // dispatch: the database's token of a call (another's here: a stale call, which does nothing; only
    // for transactions, whose sync state exists: a stale call of a product never synced leaves its state
    // row, which the schedule then syncs, after the next count). delay_ms: a run that starts later. A
    // delayed run is answered before it starts, when nothing shows it is on its way: a body that would
    // start one is sent with wait: true (the run starts at once, answered when done).
    const scheduler = {
      item_id: itemId(), product: fc.constantFrom('transactions', 'liabilities', 'investments'),
      trigger: fc.constantFrom('cron', 'manual', 'webhook', 'initial', 'retry', 'follow_up'), wait: fc.constant(true),
      delay_ms: fc.integer({ min: 0, max: 60_000 }),
    };
    await check('plaid-sync (scheduler)', bodies(fc.oneof(
      fc.record(scheduler, { requiredKeys: ['item_id', 'wait'] }),
      fc.record({ ...scheduler, product: fc.constant('transactions'), dispatch: fc.uuid() }, { requiredKeys: ['item_id', 'wait', 'dispatch'] }),
    ), keysOf('item_id', 'product', 'trigger', 'wait', 'dispatch', 'delay_ms')), (b) => {
      const json = 'json' in b ? b.json as Record<string, unknown> | null : null;
      const delayed = json !== null && typeof json === 'object' && !Array.isArray(json) && json.delay_ms !== undefined;
      return send('plaid-sync', delayed ? { json: { ...json, wait: true } } : b, { apikey: testStack.keys.secretKey });
    });
  },
  transactions: () => check('transactions', bodies(fc.record({
    account_id: fc.constantFrom(ids.synced, ids.manual, ids.othersAccount), limit: fc.integer({ min: 1, max: 100 }),
    after: fc.record({ date: isoDate, id: fc.uuid() }),
  }, { requiredKeys: [] }), keysOf('account_id', 'limit', 'after', 'after.date', 'after.id')), (b) => send('transactions', b, userHeaders())),
  // Signed with Plaid's key: only the body is hostile.
  'plaid-webhook': () => check('plaid-webhook', bodies(fc.record({
    webhook_type: fc.constant('ITEM'), environment: fc.constant('sandbox'), item_id: fc.constantFrom(ids.plaidItem, 'unknown-item'),
    webhook_code: fc.constantFrom('ERROR', 'PENDING_EXPIRATION', 'PENDING_DISCONNECT', 'NEW_ACCOUNTS_AVAILABLE', 'WEBHOOK_UPDATE_ACKNOWLEDGED', 'USER_PERMISSION_REVOKED'),
    error: fc.record({ error_code: fc.constantFrom('ITEM_LOGIN_REQUIRED', 'INSTITUTION_NO_LONGER_SUPPORTED'), error_type: fc.constant('ITEM_ERROR'), display_message: text(40) }),
    consent_expiration_time: fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    new_webhook_url: fc.webUrl(),
  }, { requiredKeys: ['webhook_type', 'webhook_code', 'item_id'] }), keysOf('webhook_type', 'webhook_code', 'item_id', 'error', 'error.error_code',
    'error.display_message', 'consent_expiration_time', 'disconnect_time', 'new_webhook_url', 'environment')),
  async (b) => {
    const text = 'raw' in b ? b.raw : JSON.stringify(b.json);
    const res = await send('plaid-webhook', { raw: text }, { 'Plaid-Verification': (await signature(text)).jwt });
    // Whatever it did to the item's status, the item heals for the next body (a revoked item syncs nothing).
    await sql`update public.plaid_items set status = 'healthy', error = null, error_code = null where id = ${ids.item}`;
    return res;
  // Webhook events are the webhook's own record of an accepted delivery (a rejection is tied to no user).
  }, ['webhook_events']),
};

describe('hostile input to every function', () => {
  it('has a driver for every function in supabase/functions', () => {
    const functions = readdirSync(join(repoRoot, 'supabase', 'functions'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.')).map((d) => d.name).sort();
    expect(Object.keys(drivers).sort()).toEqual(functions);
  });

  it.each(Object.keys(drivers).sort())('%s: no 5xx, and a 4xx writes nothing', async (name) => {
    await drivers[name]();
  }, 120_000);
});
