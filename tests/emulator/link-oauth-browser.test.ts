// An OAuth bank in a real browser (Debian Chromium, playwright-core): the host app opens Link with a
// link token that has a redirect_uri, the user picks Platypus OAuth Bank, Link sends the browser to the
// bank's page, the user signs in there, the bank sends the browser back to the app's redirect_uri with
// ?oauth_state_id=, and the app re-creates Link with the same token and receivedRedirectUri (as Plaid's
// OAuth guide says); Link resumes at account selection and calls onSuccess.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.ts';
import { exchangeProblems, startTestEmulator, type TestEmulator } from './support.ts';

let emu: TestEmulator;
let browser: Browser;
let app: Server;
let appUrl: string;

/** The host app: / starts Link (keeping the token for the way back), /oauth-return resumes it. */
const PAGE = (scriptUrl: string) => `<!doctype html><html><head><title>Host app</title>
<script src="${scriptUrl}"></script></head><body>
<button id="connect">Connect a bank</button>
<script>
  window.events = [];
  const callbacks = {
    onSuccess: (public_token, metadata) => { window.success = { public_token, metadata }; },
    onExit: (err, metadata) => { window.exited = { err, metadata }; },
    onEvent: (name) => window.events.push(name),
  };
  window.start = (token) => {
    sessionStorage.setItem('link_token', token);
    const handler = Plaid.create({ token, ...callbacks });
    document.getElementById('connect').onclick = () => handler.open();
  };
  if (location.pathname === '/oauth-return') {
    const handler = Plaid.create({ token: sessionStorage.getItem('link_token'), receivedRedirectUri: location.href, ...callbacks });
    handler.open();
  }
</script></body></html>`;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 20 });
  app = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE(`${emu.url}/link/v2/stable/link-initialize.js`)));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await browser?.close();
  await new Promise<void>((r) => app.close(() => r()));
  await emu.close();
});

describe('Link with an OAuth bank in a browser', () => {
  it('leaves for the bank, comes back to redirect_uri and finishes only after Link is re-opened there', async () => {
    const lt = await emu.plaid('/link/token/create', {
      client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'u-oauth' },
      products: ['transactions'], redirect_uri: `${appUrl}/oauth-return`,
    });
    expect(lt.status).toBe(200);
    const page = await browser.newPage();
    await page.goto(`${appUrl}/`);
    await page.evaluate((t) => (window as unknown as { start(t: string): void }).start(t), lt.body.link_token);
    await page.click('#connect');
    await page.getByTestId('plaid-link-consent-continue').click();
    await page.getByLabel('Search institutions').fill('oauth');
    await page.getByRole('button', { name: 'Platypus OAuth Bank', exact: true }).click();
    await page.getByRole('dialog', { name: 'Continue to Platypus OAuth Bank' }).waitFor();
    await page.getByTestId('plaid-link-oauth-continue').click();

    // The bank's own page, on the bank's origin.
    await page.waitForURL((u) => u.pathname === '/__emulator/oauth/authorize');
    await page.getByRole('heading', { name: 'Platypus OAuth Bank' }).waitFor();
    await page.getByLabel('Username').fill('user_good');
    await page.getByLabel('Password').fill('wrong');
    await page.getByTestId('oauth-bank-allow').click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Username').fill('user_good');
    await page.getByLabel('Password').fill('pass_good');
    await page.getByTestId('oauth-bank-allow').click();

    // Back at the app's redirect_uri; the re-opened Link resumes at account selection.
    await page.waitForURL((u) => u.pathname === '/oauth-return' && u.searchParams.has('oauth_state_id'));
    await page.getByTestId('plaid-link-account-list').waitFor();
    await page.getByTestId('plaid-link-accounts-continue').click();
    await page.getByTestId('plaid-link-success-continue').click();
    await page.waitForFunction(() => (window as unknown as { success?: unknown }).success);
    const result = await page.evaluate(() => (window as unknown as { success: { public_token: string; metadata: Record<string, any> } }).success);
    expect(result.metadata.institution).toEqual({ name: 'Platypus OAuth Bank', institution_id: 'ins_127287' });
    const ex = await emu.plaid('/item/public_token/exchange', { public_token: result.public_token });
    expect(ex.status).toBe(200);

    // Reloading the return page replays a spent oauth_state_id: Link reports Plaid's OAuth error.
    await page.reload();
    await page.getByTestId('plaid-link-error').waitFor();
    expect(await page.getByTestId('plaid-link-error').getAttribute('data-error-code')).toBe('OAUTH_STATE_ID_ALREADY_PROCESSED');
    await page.close();
  });
});
