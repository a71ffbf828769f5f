// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// The emulator-only control API under /__emulator/ (no Plaid auth; the server binds to loopback only).
// Tests and demos use it to change an Item's data, break it, inject faults and read what happened.
// Every route is listed in README.md.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorState } from './state.ts';
import { checkConfigPatch, type Config } from './config.ts';
import { accountJson } from './data/accounts.ts';
import { itemGetJson, type Item } from './items.ts';
import { addTransactions, modifyTransaction, removeTransaction, postPending, refresh, TxOpError, type NewTx } from './txops.ts';
import { webhookFields } from './routes/sandbox.ts';
import { itemError, webhookError, CATALOG } from './errors.ts';
import { INSTITUTIONS } from './data/institutions.ts';
import { PERSONAS } from './data/accounts.ts';
import { readBody, sendJson, CORS_HEADERS } from './http.ts';
import { iso8601 } from './routes/types.ts';

class ControlError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type Req = { state: EmulatorState; body: Record<string, unknown>; params: string[]; query: URLSearchParams; origin: string };
type Route = [method: string, pattern: RegExp, fn: (r: Req) => unknown];

function itemOf(state: EmulatorState, idOrToken: string): Item {
  const item = state.byItemId.get(idOrToken) ?? state.byAccessToken.get(idOrToken) ?? state.publicTokens.get(idOrToken)?.item;
  if (!item) throw new ControlError(404, `no item ${idOrToken}`);
  return item;
}

function summary(item: Item) {
  return {
    item_id: item.item_id,
    access_token: item.access_token,
    institution_id: item.institution.institution_id,
    institution_name: item.institution.name,
    username: item.username,
    products: item.products,
    webhook: item.webhook,
    error: item.error ? itemError(item.error) : null,
    removed: item.removed,
    transactions_update_status: item.txStatus,
    sync_activated: item.syncActivated,
    transaction_count: item.tx.count(),
    log_length: item.tx.length,
    history_size: item.historySize,
    days_requested: item.daysRequested,
  };
}

const ROUTES: Route[] = [
  ['GET', /^\/__emulator\/?$/, ({ state, origin }) => ({
    emulator: 'plaid-sandbox', api_version: '2020-09-14', url: origin, seed: state.seed,
    link_script: `${origin}/link/v2/stable/link-initialize.js`,
    institutions: INSTITUTIONS.map((i) => ({ institution_id: i.institution_id, name: i.name, products: i.products, country_codes: i.country_codes })),
    sandbox_users: Object.keys(PERSONAS).concat('user_custom'),
  })],
  ['GET', /^\/__emulator\/health$/, () => ({ ok: true })],
  ['GET', /^\/__emulator\/config$/, ({ state }) => state.config],
  ['POST', /^\/__emulator\/config$/, ({ state, body }) => {
    let patch: Partial<Config>;
    try {
      patch = checkConfigPatch(body);
    } catch (e) {
      throw new ControlError(400, (e as Error).message);
    }
    return state.applyConfig(patch);
  }],
  ['GET', /^\/__emulator\/clock$/, ({ state }) => ({ now: iso8601(state.now()), offset_ms: state.clockOffsetMs })],
  // Time passes at the bank: Items whose 30-day Sandbox login runs out go to ITEM_LOGIN_REQUIRED.
  ['POST', /^\/__emulator\/clock$/, ({ state, body }) => {
    const ms = body.advance_ms;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) throw new ControlError(400, 'give advance_ms: a non-negative integer (time only moves forward)');
    state.advanceClock(ms);
    return { now: iso8601(state.now()), offset_ms: state.clockOffsetMs };
  }],
  ['POST', /^\/__emulator\/reset$/, ({ state }) => {
    for (const item of state.items) item.removed = true;
    state.faults.clear();
    state.rateLimits.clear();
    state.webhooks.deliveries.length = 0;
    return { ok: true };
  }],

  ['GET', /^\/__emulator\/items$/, ({ state }) => ({ items: state.items.map(summary) })],
  ['GET', /^\/__emulator\/items\/([^/]+)$/, ({ state, params }) => {
    const item = itemOf(state, params[0]);
    return { ...summary(item), ...itemGetJson(item), accounts: item.accounts.map((a) => accountJson(a, a.type === 'investment')) };
  }],
  ['GET', /^\/__emulator\/items\/([^/]+)\/accounts$/, ({ state, params }) => ({ accounts: itemOf(state, params[0]).accounts.map((a) => accountJson(a, a.type === 'investment')) })],
  ['POST', /^\/__emulator\/items\/([^/]+)\/accounts$/, ({ state, params, body }) => {
    const item = itemOf(state, params[0]);
    try {
      const account = state.addAccount(item, body);
      return { account: accountJson(account, account.type === 'investment') };
    } catch (e) {
      throw new ControlError(400, (e as Error).message);
    }
  }],
  ['POST', /^\/__emulator\/items\/([^/]+)\/balances$/, ({ state, params, body }) => {
    const item = itemOf(state, params[0]);
    const acct = item.accounts.find((a) => a.account_id === body.account_id);
    if (!acct) throw new ControlError(404, `no account ${body.account_id} on item`);
    for (const k of ['available', 'current', 'limit'] as const) {
      if (body[k] !== undefined) {
        if (body[k] !== null && typeof body[k] !== 'number') throw new ControlError(400, `${k} must be a number or null`);
        acct.balances[k] = body[k] as number | null;
      }
    }
    return { account: accountJson(acct, acct.type === 'investment') };
  }],

  ['GET', /^\/__emulator\/items\/([^/]+)\/transactions$/, ({ state, params, query }) => {
    const item = itemOf(state, params[0]);
    const offset = Number(query.get('offset') ?? 0);
    const limit = Number(query.get('limit') ?? 10_000);
    const { total, transactions } = item.tx.currentSet(offset, limit);
    return { total, offset, transactions };
  }],
  ['POST', /^\/__emulator\/items\/([^/]+)\/transactions$/, ({ state, params, body }) => {
    const list = (body.transactions ?? [body]) as NewTx[];
    if (!Array.isArray(list) || !list.length) throw new ControlError(400, 'give transactions: [{ amount, ... }]');
    return { transactions: addTransactions(state, itemOf(state, params[0]), list) };
  }],
  ['PATCH', /^\/__emulator\/items\/([^/]+)\/transactions\/([^/]+)$/, ({ state, params, body }) => ({ transaction: modifyTransaction(state, itemOf(state, params[0]), params[1], body) })],
  ['DELETE', /^\/__emulator\/items\/([^/]+)\/transactions\/([^/]+)$/, ({ state, params }) => {
    removeTransaction(state, itemOf(state, params[0]), params[1]);
    return { removed: params[1] };
  }],
  ['POST', /^\/__emulator\/items\/([^/]+)\/transactions\/([^/]+)\/post$/, ({ state, params, body }) => ({
    transaction: postPending(state, itemOf(state, params[0]), params[1], body as { amount?: number; date?: string }),
  })],
  ['POST', /^\/__emulator\/items\/([^/]+)\/refresh$/, ({ state, params }) => refresh(state, itemOf(state, params[0]))],
  ['POST', /^\/__emulator\/items\/([^/]+)\/history$/, ({ state, params, body }) => {
    const item = itemOf(state, params[0]);
    const size = Number(body.size);
    if (!Number.isInteger(size) || size < item.historySize) throw new ControlError(400, `size must be an integer >= the current history size ${item.historySize}`);
    const extra = size - item.historySize;
    item.historySize = size;
    if (item.txStatus === 'HISTORICAL_UPDATE_COMPLETE' && extra > 0) {
      item.tx.appendGenerated(extra);
      state.transactionsChanged(item, extra, []);
    }
    return summary(item);
  }],
  ['POST', /^\/__emulator\/items\/([^/]+)\/transactions-status\/advance$/, ({ state, params }) => ({ transactions_update_status: state.advanceTransactions(itemOf(state, params[0])) })],
  ['POST', /^\/__emulator\/items\/([^/]+)\/login-required$/, ({ state, params }) => {
    const item = itemOf(state, params[0]);
    state.setLoginRequired(item);
    return summary(item);
  }],
  ['POST', /^\/__emulator\/items\/([^/]+)\/error$/, ({ state, params, body }) => {
    const item = itemOf(state, params[0]);
    const code = String(body.error_code ?? '');
    if (!CATALOG[code]) throw new ControlError(400, `unknown error_code ${code}`);
    item.error = code;
    state.fire(item, 'ITEM', 'ERROR', { error: webhookError(code) });
    return summary(item);
  }],
  ['POST', /^\/__emulator\/items\/([^/]+)\/login-repaired$/, ({ state, params }) => {
    const item = itemOf(state, params[0]);
    state.repairLogin(item, false);
    return summary(item);
  }],
  ['POST', /^\/__emulator\/items\/([^/]+)\/webhooks$/, ({ state, params, body }) => {
    const item = itemOf(state, params[0]);
    const type = String(body.webhook_type ?? '');
    const code = String(body.webhook_code ?? '');
    if (!type || !code) throw new ControlError(400, 'webhook_type and webhook_code are required');
    if (!item.webhook) throw new ControlError(409, 'the item has no webhook URL');
    const { webhook_type: _t, webhook_code: _c, ...extra } = body;
    state.fire(item, type, code, { ...webhookFields(state, item, type, code), ...extra });
    return { fired: true, delivery: state.webhooks.deliveries[state.webhooks.deliveries.length - 1] };
  }],

  // What a Plaid client asked /link/token/create for (its request as accepted, without client_id/secret).
  ['GET', /^\/__emulator\/link-tokens\/([^/]+)$/, ({ state, params }) => {
    const rec = state.linkTokens.get(params[0]);
    if (!rec) throw new ControlError(404, `no link token ${params[0]}`);
    const { client_id: _id, secret: _secret, ...request } = rec.request;
    return { link_token: rec.link_token, expiration: iso8601(rec.expiration), update_item_id: rec.updateItem?.item_id ?? null, request };
  }],

  ['GET', /^\/__emulator\/webhooks$/, ({ state, query }) => {
    const itemId = query.get('item_id');
    return { deliveries: state.webhooks.deliveries.filter((d) => !itemId || d.item_id === itemId) };
  }],
  ['GET', /^\/__emulator\/webhook-keys$/, ({ state }) => ({ keys: state.webhooks.keys.map((k) => k.jwk), current_kid: state.webhooks.current().jwk.kid })],
  // Signs a body as a delivery would be signed, for receivers' verification tests (iat: unix seconds).
  ['POST', /^\/__emulator\/webhook-keys\/sign$/, async ({ state, body }) => {
    if (typeof body.body !== 'string') throw new ControlError(400, 'give body: the exact request body to sign (a string)');
    if (body.iat !== undefined && !Number.isInteger(body.iat)) throw new ControlError(400, 'iat must be an integer (unix seconds)');
    return { jwt: await state.webhooks.signBody(body.body, body.iat as number | undefined), kid: state.webhooks.current().jwk.kid };
  }],
  ['POST', /^\/__emulator\/webhook-keys\/rotate$/, ({ state, body }) => state.webhooks.rotate(Number(body.grace_ms ?? state.config.key_grace_ms))],

  ['GET', /^\/__emulator\/faults$/, ({ state }) => ({ faults: state.faults.rules })],
  ['POST', /^\/__emulator\/faults$/, ({ state, body }) => {
    try {
      return { fault: state.faults.add(body) };
    } catch (e) {
      throw new ControlError(400, (e as Error).message);
    }
  }],
  ['DELETE', /^\/__emulator\/faults$/, ({ state }) => {
    state.faults.clear();
    return { ok: true };
  }],
  ['DELETE', /^\/__emulator\/faults\/([^/]+)$/, ({ state, params }) => {
    if (!state.faults.remove(params[0])) throw new ControlError(404, `no fault ${params[0]}`);
    return { ok: true };
  }],
];

export async function handleControl(state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string, url: URL, origin: string): Promise<void> {
  const match = ROUTES.map(([m, re, fn]) => ({ m, fn, hit: re.exec(path) })).filter((r) => r.hit);
  const route = match.find((r) => r.m === req.method);
  if (!route) {
    sendJson(res, match.length ? 405 : 404, { error: match.length ? `method ${req.method} not allowed` : `no control route ${path}` }, CORS_HEADERS);
    return;
  }
  let body: Record<string, unknown> = {};
  const raw = await readBody(req);
  if (raw.trim()) {
    try {
      body = JSON.parse(raw);
    } catch {
      sendJson(res, 400, { error: 'body must be JSON' }, CORS_HEADERS);
      return;
    }
  }
  try {
    const out = await route.fn({ state, body, params: (route.hit as RegExpExecArray).slice(1).map(decodeURIComponent), query: url.searchParams, origin });
    sendJson(res, 200, out, CORS_HEADERS);
  } catch (e) {
    if (e instanceof ControlError) sendJson(res, e.status, { error: e.message }, CORS_HEADERS);
    else if (e instanceof TxOpError) sendJson(res, 400, { error: e.message }, CORS_HEADERS);
    else throw e;
  }
}
