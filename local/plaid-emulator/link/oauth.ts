// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// The bank's side of an OAuth connection (plaid.com/docs/link/oauth): Link sends the browser here
// (GET /__emulator/oauth/authorize?oauth_state_id=...), the user logs in at the bank and allows access,
// and the bank sends the browser back to the link token's redirect_uri with ?oauth_state_id=. Link
// finishes only when it is re-opened there with receivedRedirectUri (link/api.ts). A plain HTML page,
// no script, so it works as a real bank's page does across the redirect.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorState } from '../state.ts';
import { loginError } from '../routes/sandbox.ts';
import { CATALOG } from '../errors.ts';
import { readBody } from '../http.ts';
import { storeOf, type OAuthState } from './api.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(o: OAuthState, error: string | null): string {
  const bank = esc(o.session.institution?.name ?? 'Your bank');
  const app = esc(String(o.session.token.request.client_name ?? 'This application'));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${bank}: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f1ea;color:#1d1d1d}main{max-width:420px;margin:48px auto;background:#fff;padding:28px;border-radius:10px}
label{display:block;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:10px;font-size:16px;border:1px solid #777;border-radius:6px}
button{margin-top:18px;width:100%;padding:12px;font-size:16px;border:0;border-radius:6px;background:#1f4d3a;color:#fff;cursor:pointer}
[role=alert]{background:#fdecea;color:#8a1c13;padding:10px;border-radius:6px}</style></head>
<body><main><h1>${bank}</h1>
<p>${app} is asking, through Plaid, to see your accounts. Sign in to allow it. (Plaid Sandbox emulator: user_good / pass_good.)</p>
${error ? `<p role="alert" data-testid="oauth-bank-error">${esc(error)}</p>` : ''}
<form method="post" action="/__emulator/oauth/authorize">
<input type="hidden" name="oauth_state_id" value="${esc(o.id)}">
<label for="u">Username</label><input id="u" name="username" autocomplete="username" data-testid="oauth-bank-username">
<label for="p">Password</label><input id="p" name="password" type="password" autocomplete="current-password" data-testid="oauth-bank-password">
<button type="submit" data-testid="oauth-bank-allow">Sign in and allow access</button>
</form></main></body></html>`;
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(body);
}

export async function handleOAuthPage(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (url.pathname !== '/__emulator/oauth/authorize') return html(res, 404, '<!doctype html><title>Not found</title><p>Not found</p>');
  const store = storeOf(state);
  const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
  const o = store.oauth.get(form.get('oauth_state_id') ?? '');
  if (!o || o.status !== 'pending') return html(res, 400, '<!doctype html><title>Link expired</title><p>This sign-in link is not valid any more. Go back to the app and connect again.</p>');
  if (req.method !== 'POST') return html(res, 200, page(o, null));
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  const err = loginError(null, username, password);
  if (err) return html(res, 200, page(o, CATALOG[err]?.display ?? 'The credentials were not correct. Please try again.'));
  o.status = 'authorized';
  o.session.username = username;
  o.session.password = password;
  const back = new URL(String(o.session.token.request.redirect_uri));
  back.searchParams.set('oauth_state_id', o.id);
  res.writeHead(303, { Location: back.toString(), 'Cache-Control': 'no-store' }).end();
}
