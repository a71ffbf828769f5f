// Calling the real functions on the test stack, and the Plaid emulator as a test would drive Plaid's
// Sandbox. Every function response body is appended to responses.ndjson so the runner can scan the
// whole suite's responses for tokens and secrets at the end.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalSession } from '../../local/session.ts';
import { testStack } from './stack.ts';
import { eventually } from './wait.ts';

export type FnResult<T = any> = { status: number; body: T; headers: Headers };

export async function callFunction<T = any>(
  name: string,
  body: unknown,
  auth: { session?: LocalSession; secretKey?: boolean } = {},
  opts: { raw?: string; method?: string; contentType?: string } = {},
): Promise<FnResult<T>> {
  const headers: Record<string, string> = { apikey: testStack.keys.publishableKey };
  if (opts.contentType !== '') headers['Content-Type'] = opts.contentType ?? 'application/json';
  if (auth.session) headers.Authorization = `Bearer ${auth.session.access_token}`;
  if (auth.secretKey) headers.apikey = testStack.keys.secretKey;
  const res = await fetch(testStack.functionUrl(name), {
    method: opts.method ?? 'POST',
    headers,
    body: opts.method === 'GET' ? undefined : opts.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  appendFileSync(join(testStack.stateDir, 'responses.ndjson'), `${JSON.stringify({ fn: name, status: res.status, text })}\n`);
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** A Plaid API call to the emulator with the stack's Plaid credentials (what the functions use). */
export async function plaid<T = any>(path: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${testStack.plaidUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': testStack.keys.plaidClientId, 'PLAID-SECRET': testStack.keys.plaidSecret },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${json.error_code} ${json.error_message}`);
  return json as T;
}

/** The emulator's control API (emulator only: truth, mutations, faults). */
export async function emulator<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${testStack.plaidUrl}/__emulator${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return await res.json() as T;
}

/** webhook: true gives the item our plaid-webhook URL, as Link does for items connected through the product. */
export async function sandboxPublicToken(opts: { institutionId?: string; products?: string[]; username?: string; password?: string; webhook?: boolean } = {}): Promise<string> {
  const r = await plaid<{ public_token: string }>('/sandbox/public_token/create', {
    institution_id: opts.institutionId ?? 'ins_109508',
    initial_products: opts.products ?? ['transactions'],
    options: {
      override_username: opts.username ?? 'user_good', override_password: opts.password ?? 'pass_good',
      ...(opts.webhook ? { webhook: testStack.functionUrl('plaid-webhook') } : {}),
    },
  });
  return r.public_token;
}

/**
 * Waits until Plaid (the emulator) has the Item's whole transaction history: a new Item is NOT_READY for
 * a moment, as on Plaid (its first sync finds nothing), then INITIAL_UPDATE_COMPLETE, then
 * HISTORICAL_UPDATE_COMPLETE. Tests that check what gets stored wait for this, as the product waits for
 * SYNC_UPDATES_AVAILABLE; an event the emulator does not push, so its state is polled.
 */
export async function plaidHistoryReady(plaidItemIdOrToken: string) {
  await eventually(() => emulator<{ transactions_update_status: string }>('GET', `/items/${plaidItemIdOrToken}`), (i) => i.transactions_update_status === 'HISTORICAL_UPDATE_COMPLETE',
    10_000, { intervalMs: 25, what: `Plaid item ${plaidItemIdOrToken} history ready` });
}

/**
 * Connects a sandbox bank for the user through the real exchange function. Unless `ready: false`, it
 * returns once Plaid has the Item's whole history (plaidHistoryReady), so a sync after it gets it all.
 */
export async function connectItem(session: LocalSession, opts: Parameters<typeof sandboxPublicToken>[0] & { ready?: boolean } = {}) {
  const publicToken = await sandboxPublicToken(opts);
  const res = await callFunction('plaid-exchange-token', {
    public_token: publicToken,
    metadata: { institution: { institution_id: opts.institutionId ?? 'ins_109508', name: 'First Platypus Bank' }, accounts: [] },
  }, { session });
  if (res.status !== 201) throw new Error(`exchange failed: ${res.status} ${JSON.stringify(res.body)}`);
  if (opts.ready !== false && (opts.products ?? ['transactions']).includes('transactions')) await plaidHistoryReady(publicToken);
  return res.body.item as { id: string; institution_name: string; status: string; accounts: Array<{ id: string; mask: string | null }> };
}

/** The emulator's Link, driven over its HTTP API as the drop-in does (no browser). */
async function linkApi<T = any>(path: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${testStack.plaidUrl}/__emulator/link/${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`link ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

export type LinkSuccess = { public_token: string; metadata: { institution: { institution_id: string; name: string } | null; accounts: Array<{ id: string; name: string; mask: string | null; type: string; subtype: string | null }> } };

/**
 * One Link session with a link token from plaid-link-token (the product's own), as a user would run
 * it: sign in at the bank (new connections: the institution; update mode: the item's) and share
 * `masks` (all accounts by default). Resolves with onSuccess's public token and metadata.
 */
export async function runLinkSession(session: LocalSession, opts: { itemId?: string; institutionId?: string; masks?: string[]; username?: string; password?: string } = {}): Promise<LinkSuccess> {
  const token = await callFunction('plaid-link-token', opts.itemId ? { item_id: opts.itemId } : {}, { session });
  if (token.status !== 200) throw new Error(`plaid-link-token: ${token.status} ${JSON.stringify(token.body)}`);
  const s = await linkApi<{ link_session_id: string }>('session', { link_token: token.body.link_token });
  await linkApi('login', { link_session_id: s.link_session_id, ...(opts.itemId ? {} : { institution_id: opts.institutionId ?? 'ins_109508' }),
    username: opts.username ?? 'user_good', password: opts.password ?? 'pass_good' });
  return await linkApi<LinkSuccess>('complete', { link_session_id: s.link_session_id, ...(opts.masks ? { account_masks: opts.masks } : {}) });
}

/** plaid-exchange-token with Link's onSuccess, as the web client sends it. */
export const exchangeLink = (session: LocalSession, link: LinkSuccess, extra: Record<string, unknown> = {}) =>
  callFunction('plaid-exchange-token', { public_token: link.public_token, metadata: link.metadata, ...extra }, { session });
