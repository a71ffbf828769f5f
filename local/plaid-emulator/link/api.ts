// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// The backend of the Link drop-in (link-initialize.js): a Link session per link_token, the sandbox
// credential check, MFA, and Item creation or update-mode repair. These are emulator-only endpoints under
// /__emulator/link/ with CORS, because the Link UI runs inside the host page's origin.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorState, LinkTokenRecord } from '../state.ts';
import { INSTITUTIONS, institutionById, supportsAll, type InstitutionDef } from '../data/institutions.ts';
import { personaFor, PERSONAS } from '../data/accounts.ts';
import { checkCredentials } from '../state.ts';
import { customAccounts } from '../data/custom.ts';
import { loginError } from '../routes/sandbox.ts';
import { plaidError } from '../errors.ts';
import { uuid } from '../rng.ts';
import { readBody, sendJson, CORS_HEADERS } from '../http.ts';

const SCRIPT = readFileSync(new URL('./link-initialize.js', import.meta.url), 'utf8');

export function linkScript(): string {
  return SCRIPT;
}

export type Session = {
  id: string;
  token: LinkTokenRecord;
  institution: InstitutionDef | null;
  username: string | null;
  password: string | null;
  authenticated: boolean;
  mfaPending: boolean;
  done: boolean;
};

/**
 * An OAuth hand-off (plaid.com/docs/link/oauth): Link sent the browser to the bank with this id; the bank
 * sends it back to the link token's redirect_uri with ?oauth_state_id=; Link re-opened with
 * receivedRedirectUri resumes the session once, if the bank authorized it.
 */
export type OAuthState = { id: string; session: Session; status: 'pending' | 'authorized' | 'processed' };

type Store = { sessions: Map<string, Session>; oauth: Map<string, OAuthState> };
const stores = new WeakMap<EmulatorState, Store>();

export function storeOf(state: EmulatorState): Store {
  let m = stores.get(state);
  if (!m) stores.set(state, (m = { sessions: new Map(), oauth: new Map() }));
  return m;
}

type LinkAccount = { id: string | null; name: string; mask: string; type: string; subtype: string };

/** Accounts the user can pick: the persona's (create mode) or the Item's (update mode). */
function selectableAccounts(state: EmulatorState, s: Session): LinkAccount[] {
  const item = s.token.updateItem;
  if (item) return item.accounts.map((a) => ({ id: a.account_id, name: a.name, mask: a.mask, type: a.type, subtype: a.subtype }));
  const { custom } = checkCredentials(s.username ?? '', s.password ?? '');
  if (custom?.overrides) return customAccounts(state.seed, 'link-preview', s.institution?.institution_id ?? '', custom).map((a) => ({ id: null, name: a.name, mask: a.mask, type: a.type, subtype: a.subtype }));
  const persona = custom?.emulator.persona;
  const name = typeof persona === 'string' && persona in PERSONAS ? persona : custom ? 'user_good' : s.username ?? 'user_good';
  return personaFor(name).accounts.map((a) => ({ id: null, name: a.name, mask: a.mask, type: a.type, subtype: a.subtype }));
}

function linkError(code: string, requestId: string, message?: string) {
  const e = plaidError(code, { message: message ?? code.toLowerCase() }, requestId);
  return { error_type: e.error_type, error_code: e.error_code, error_message: e.error_message, display_message: e.display_message ?? e.error_message, request_id: requestId };
}

export async function handleLinkApi(state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string, origin: string): Promise<void> {
  const reply = (status: number, body: unknown) => sendJson(res, status, body, CORS_HEADERS);
  if (req.method !== 'POST') return reply(405, { error: 'POST only' });
  let body: Record<string, unknown>;
  try {
    body = JSON.parse((await readBody(req)) || '{}');
  } catch {
    return reply(400, { error: linkError('INVALID_BODY', state.requestId()) });
  }
  const requestId = state.requestId();
  const fail = (code: string, message?: string) => reply(400, { error: linkError(code, requestId, message), request_id: requestId });
  const store = storeOf(state);
  const all = store.sessions;

  if (path === '/__emulator/link/session' && body.received_redirect_uri) {
    // Link re-opened after the bank's redirect: resume the session the OAuth state belongs to, once.
    const token = state.linkToken(String(body.link_token ?? ''));
    if (!token) return fail('INVALID_LINK_TOKEN');
    let stateId: string | null = null;
    try {
      stateId = new URL(String(body.received_redirect_uri)).searchParams.get('oauth_state_id');
    } catch { /* not a URL: no state */ }
    const o = stateId ? store.oauth.get(stateId) : undefined;
    if (!o) return fail('OAUTH_STATE_ID_NOT_FOUND');
    if (o.session.token.link_token !== token.link_token) return fail('INCORRECT_LINK_TOKEN');
    if (o.status === 'processed' || o.session.done) return fail('OAUTH_STATE_ID_ALREADY_PROCESSED');
    if (o.status !== 'authorized') return fail('ACCESS_NOT_GRANTED');
    o.status = 'processed';
    o.session.authenticated = true;
    return reply(200, { ...sessionJson(o.session, requestId), oauth_resume: { institution: institutionRef(o.session.institution as InstitutionDef), accounts: selectableAccounts(state, o.session) } });
  }

  if (path === '/__emulator/link/session') {
    const token = state.linkToken(String(body.link_token ?? ''));
    if (!token) return fail('INVALID_LINK_TOKEN');
    const s: Session = { id: uuid(state.seed, `link-session:${all.size}`), token, institution: null, username: null, password: null, authenticated: false, mfaPending: false, done: false };
    if (token.updateItem) s.institution = token.updateItem.institution;
    all.set(s.id, s);
    return reply(200, sessionJson(s, requestId));
  }

  const s = all.get(String(body.link_session_id ?? ''));
  if (!s || s.done) return fail('INVALID_LINK_TOKEN');

  if (path === '/__emulator/link/oauth') {
    // The user picked an OAuth bank (or reconnects one): Link hands the browser to the bank's page.
    const inst = s.token.updateItem ? s.token.updateItem.institution : institutionById(String(body.institution_id ?? ''));
    if (!inst) return fail('INVALID_INSTITUTION');
    if (!inst.oauth) return fail('INVALID_INSTITUTION', `${inst.name} does not use OAuth`);
    if (inst.failure) return fail(inst.failure);
    if (!s.token.request.redirect_uri) {
      return fail('INVALID_FIELD', `${inst.name} is an OAuth institution: create the link token with a redirect_uri to connect it`);
    }
    s.institution = inst;
    const o: OAuthState = { id: uuid(state.seed, `oauth-state:${store.oauth.size}`), session: s, status: 'pending' };
    store.oauth.set(o.id, o);
    return reply(200, { request_id: requestId, oauth_url: `${origin}/__emulator/oauth/authorize?oauth_state_id=${o.id}` });
  }

  if (path === '/__emulator/link/login') {
    const inst0 = s.token.updateItem ? s.token.updateItem.institution : institutionById(String(body.institution_id ?? ''));
    // OAuth banks take the user's login on their own page, never in Link.
    if (inst0?.oauth) return fail('INVALID_INSTITUTION', `${inst0.name} uses OAuth: Link sends the user to the bank`);
  }
  return await afterSession(state, s, body, path, requestId, reply, fail);
}

const institutionRef = (i: InstitutionDef) => ({ institution_id: i.institution_id, name: i.name, oauth: i.oauth });

/** What Link needs to render a session. */
function sessionJson(s: Session, requestId: string) {
  const req0 = s.token.request;
  const products = (req0.products as string[] | undefined) ?? [];
  const countries = (req0.country_codes as string[] | undefined) ?? ['US'];
  const item = s.token.updateItem;
  return {
    link_session_id: s.id,
    request_id: requestId,
    client_name: String(req0.client_name ?? 'This Application').length > 30 ? 'This Application' : req0.client_name,
    mode: item ? 'update' : 'create',
    institutions: item ? [] : INSTITUTIONS.filter((i) => supportsAll(i, products) && i.country_codes.some((c) => countries.includes(c))).map((i) => ({ institution_id: i.institution_id, name: i.name, oauth: i.oauth, primary_color: i.primary_color })),
    update: item ? {
      item_id: item.item_id,
      institution: institutionRef(item.institution),
      account_selection_enabled: (req0.update as { account_selection_enabled?: boolean } | undefined)?.account_selection_enabled === true,
    } : null,
  };
}

type Reply = (status: number, body: unknown) => void;

/** Credentials, MFA and completion of a session. */
async function afterSession(state: EmulatorState, s: Session, body: Record<string, unknown>, path: string, requestId: string, reply: Reply, fail: (code: string) => void): Promise<void> {
  if (path === '/__emulator/link/login') {
    if (s.mfaPending && body.mfa_code !== undefined) {
      // sandbox device MFA (plaid.com/docs/sandbox/test-credentials): the code is 1234
      if (String(body.mfa_code) !== '1234') return fail('INVALID_MFA');
      s.mfaPending = false;
      s.authenticated = true;
      return reply(200, { request_id: requestId, accounts: selectableAccounts(state, s) });
    }
    const inst = s.token.updateItem ? s.token.updateItem.institution : institutionById(String(body.institution_id ?? ''));
    if (!inst) return fail('INVALID_INSTITUTION');
    s.institution = inst;
    s.mfaPending = false;
    s.authenticated = false;
    const username = String(body.username ?? '');
    const password = String(body.password ?? '');
    const err = loginError(inst.failure, username, password);
    if (err) return fail(err);
    s.username = username;
    s.password = password;
    if (password === 'mfa_device' || checkCredentials(username, password).custom?.mfa) {
      s.mfaPending = true;
      return reply(200, { request_id: requestId, mfa: { type: 'device', prompt: 'Enter the code sent to your device (sandbox code: 1234).' } });
    }
    s.authenticated = true;
    return reply(200, { request_id: requestId, accounts: selectableAccounts(state, s) });
  }

  if (path === '/__emulator/link/complete') {
    if (!s.authenticated || !s.institution) return fail('INVALID_CREDENTIALS');
    const masks = Array.isArray(body.account_masks) ? (body.account_masks as string[]) : null;
    const r = s.token.request;
    let item = s.token.updateItem;
    if (item) {
      // Update mode: same Item and access_token; the login error clears without LOGIN_REPAIRED.
      state.repairLogin(item, true);
    } else {
      if (masks && masks.length === 0) return fail('NO_ACCOUNTS');
      const inst = s.institution;
      const optional = [...((r.optional_products as string[]) ?? []), ...((r.required_if_supported_products as string[]) ?? [])].filter((p) => inst.products.includes(p));
      item = state.createItem({
        institution: inst,
        username: s.username ?? 'user_good',
        password: s.password ?? 'pass_good',
        products: [...((r.products as string[]) ?? []), ...optional],
        consented: (r.additional_consented_products as string[]) ?? [],
        webhook: (r.webhook as string) ?? null,
        daysRequested: (r.transactions as { days_requested?: number } | undefined)?.days_requested ?? 90,
        clientUserId: (r.user as { client_user_id?: string } | undefined)?.client_user_id ?? null,
        accountMasks: masks,
      });
    }
    s.done = true;
    const public_token = state.createPublicToken(item);
    const chosen = item.accounts.filter((a) => !masks || masks.includes(a.mask));
    return reply(200, {
      request_id: requestId,
      public_token,
      metadata: {
        institution: { name: item.institution.name, institution_id: item.institution.institution_id },
        accounts: chosen.map((a) => ({ id: a.account_id, name: a.name, mask: a.mask, type: a.type, subtype: a.subtype, verification_status: null })),
        link_session_id: s.id,
        transfer_status: null,
        public_token,
      },
    });
  }
  return reply(404, { error: `no link route ${path}` });
}
