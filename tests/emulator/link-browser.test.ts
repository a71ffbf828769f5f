// The Link drop-in in a real browser (Debian Chromium driven by playwright-core): a host page on another
// origin loads link-initialize.js from the emulator, opens Link, and a user picks a bank, fails once with
// a wrong password, logs in, selects accounts and finishes; onSuccess gets Plaid's metadata. Then update
// mode and onExit. Needs /usr/bin/chromium (apt-get install chromium).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.ts';
import { exchangeProblems, startTestEmulator, type TestEmulator } from './support.ts';

let emu: TestEmulator;
let browser: Browser;
let app: Server;
let appUrl: string;

/** The host app page: loads Plaid's script from the emulator and records callbacks on window. */
const PAGE = (scriptUrl: string) => `<!doctype html><html><head><title>Host app</title>
<script src="${scriptUrl}"></script></head><body>
<button id="connect">Connect a bank</button>
<script>
  window.events = [];
  window.start = (token) => {
    const handler = Plaid.create({
      token,
      onLoad: () => window.events.push(['LOAD']),
      onSuccess: (public_token, metadata) => { window.success = { public_token, metadata }; },
      onExit: (err, metadata) => { window.exited = { err, metadata }; },
      onEvent: (name, metadata) => window.events.push([name, metadata.view_name]),
    });
    document.getElementById('connect').onclick = () => handler.open();
    window.handler = handler;
  };
</script></body></html>`;

beforeAll(async () => {
  emu = await startTestEmulator({ historySize: 30 });
  app = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE(`${emu.url}/link/v2/stable/link-initialize.js`)));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  expect(emu.exchanges.flatMap(exchangeProblems)).toEqual([]);
  await browser?.close();
  await new Promise<void>((r) => app.close(() => r()));
  await emu.close();
});

async function openWith(page: Page, linkToken: string) {
  await page.goto(appUrl);
  await page.evaluate((t) => (window as unknown as { start(t: string): void }).start(t), linkToken);
  await page.click('#connect');
  await page.getByRole('dialog').waitFor();
}

describe('Link in a browser', () => {
  it('connects an Item end to end and calls onSuccess with Plaid\'s metadata', async () => {
    const lt = await emu.plaid('/link/token/create', { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'u-browser' }, products: ['transactions'] });
    const page = await browser.newPage();
    await openWith(page, lt.body.link_token);
    const dialog = page.getByRole('dialog', { name: 'Nestfolio uses Plaid to connect your account' });
    await dialog.getByTestId('plaid-link-consent-continue').click();
    await page.getByLabel('Search institutions').fill('platypus');
    await page.getByRole('button', { name: 'First Platypus Bank', exact: true }).click();
    await page.getByLabel('Username').fill('user_good');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByTestId('plaid-link-submit-credentials').click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('credentials were not correct');
    await page.getByLabel('Username').fill('user_good');
    await page.getByLabel('Password').fill('pass_good');
    await page.getByTestId('plaid-link-submit-credentials').click();
    await page.getByTestId('plaid-link-account-list').waitFor();
    for (const mask of ['1111', '2222', '4444', '5555', '6666', '7777', '8888', '9001', '9002']) await page.getByTestId(`plaid-link-account-${mask}`).uncheck();
    await page.getByTestId('plaid-link-accounts-continue').click();
    await page.getByTestId('plaid-link-success-continue').click();
    await page.waitForFunction(() => (window as unknown as { success?: unknown }).success);
    const result = await page.evaluate(() => (window as unknown as { success: { public_token: string; metadata: Record<string, any> } }).success);
    expect(result.metadata).toMatchObject({
      institution: { name: 'First Platypus Bank', institution_id: 'ins_109508' },
      transfer_status: null,
      public_token: result.public_token,
    });
    expect(result.metadata.accounts.map((a: { mask: string; subtype: string }) => [a.mask, a.subtype])).toEqual([['0000', 'checking'], ['3333', 'credit card']]);
    expect(await page.getByRole('dialog').count()).toBe(0);
    const events = await page.evaluate(() => (window as unknown as { events: string[][] }).events.map((e) => e[0]));
    expect(events).toEqual(expect.arrayContaining(['LOAD', 'OPEN', 'SELECT_INSTITUTION', 'SUBMIT_CREDENTIALS', 'ERROR', 'HANDOFF']));
    const ex = await emu.plaid('/item/public_token/exchange', { public_token: result.public_token });
    expect(ex.status).toBe(200);
    await page.close();
  });

  it('runs update mode for an Item in ITEM_LOGIN_REQUIRED, and onExit on close', async () => {
    const { access_token } = await emu.newItem();
    await emu.plaid('/sandbox/item/reset_login', { access_token });
    const lt = await emu.plaid('/link/token/create', { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'u-browser' }, access_token });
    const page = await browser.newPage();
    await openWith(page, lt.body.link_token);
    await page.getByRole('dialog', { name: 'Reconnect to First Platypus Bank' }).waitFor();
    await page.getByLabel('Username').fill('user_good');
    await page.getByLabel('Password').fill('pass_good');
    await page.getByTestId('plaid-link-submit-credentials').click();
    await page.getByTestId('plaid-link-success-continue').click();
    await page.waitForFunction(() => (window as unknown as { success?: unknown }).success);
    expect((await emu.plaid('/accounts/get', { access_token })).status).toBe(200);

    // A second session closed by the user: onExit(null, metadata).
    await page.evaluate((t) => (window as unknown as { start(t: string): void }).start(t), (await emu.plaid('/link/token/create', { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, products: ['transactions'] })).body.link_token);
    await page.click('#connect');
    await page.getByTestId('plaid-link-close').click();
    await page.waitForFunction(() => (window as unknown as { exited?: unknown }).exited);
    const exited = await page.evaluate(() => (window as unknown as { exited: { err: unknown; metadata: Record<string, unknown> } }).exited);
    expect(exited.err).toBeNull();
    expect(exited.metadata).toMatchObject({ institution: null, status: null });
    expect(typeof exited.metadata.link_session_id).toBe('string');
    await page.close();
  });
});
