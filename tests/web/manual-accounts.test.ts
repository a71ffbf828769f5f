// Manual accounts and the user's own touches on synced ones, by keyboard where it matters: add and
// edit a manual account (bad input explained, nothing sent), rename and hide a synced account, link a
// synced account to a manual one. And the hosted build's sign-in, which is Supabase Auth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Browser } from 'playwright-core';
import { buildWebClient, startLocalWeb } from '../../local/web.ts';
import { callFunction, connectItem } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';
import { sql, waitForIdle } from '../support/sync.ts';
import { accountRow, connectionCard, launchBrowser, openAs, screenshot, unnamedControls } from './support.ts';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); }, 60_000);
afterAll(async () => { await browser?.close(); });

const focusedText = (page: import('playwright-core').Page) => page.evaluate(() => {
  const el = document.activeElement as HTMLElement | null;
  return (el as HTMLInputElement | null)?.labels?.[0]?.textContent ?? el?.textContent ?? null;
});

describe('Manual accounts', () => {
  it('adds and edits a manual account with the keyboard; bad input is explained and nothing is sent', async () => {
    const s = await newSession('web-manual');
    const page = await openAs(browser, s.email);
    await page.getByTestId('manual-accounts').getByText('No manual accounts.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Add manual account' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add a manual account' });
    await dialog.waitFor();
    expect(await focusedText(page)).toBe('Account name');

    await page.keyboard.press('Enter'); // submit with nothing filled in
    await dialog.getByRole('alert').getByText('Enter a name for the account.').waitFor();
    await page.keyboard.type('Cash jar');
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('Type');
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('Current balance');
    await page.keyboard.type('12,50x');
    await page.keyboard.press('Enter');
    await dialog.getByRole('alert').getByText('Enter the balance as a number, such as 1,250.00.').waitFor();
    await screenshot(page, 'manual-account-invalid', false);
    expect((await sql`select count(*)::int as n from public.accounts where user_id = ${s.user_id}`)[0].n).toBe(0);
    await dialog.getByLabel('Current balance').fill('1,250.50');
    await dialog.getByLabel('Current balance').press('Enter');
    await page.getByTestId('announcer').getByText('Added manual account Cash jar.').waitFor();
    await dialog.waitFor({ state: 'detached' });
    expect(await focusedText(page)).toBe('Add manual account'); // focus back where the user was
    const row = accountRow(page, 'Cash jar');
    expect(await row.getByTestId('balance').textContent()).toBe('$1,250.50');
    expect((await sql`select name, current_balance::text as b, source from public.accounts where user_id = ${s.user_id}`)[0])
      .toEqual({ name: 'Cash jar', b: '1250.5000', source: 'manual' });

    await row.locator('summary').focus();
    await page.keyboard.press('Enter'); // opens the disclosure
    await row.getByRole('button', { name: 'Edit account' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Cash jar' });
    await edit.getByLabel('Account name').fill('Savings jar');
    await edit.getByLabel('Current balance').fill('99.99');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await accountRow(page, 'Savings jar').getByTestId('balance').getByText('$99.99').waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('renames and hides a synced account, and links another to a manual account', async () => {
    const s = await newSession('web-link');
    const item = await connectItem(s);
    await waitForIdle(item.id);
    const manual = await callFunction('accounts-manual', { action: 'create', name: 'Old checking', type: 'depository', current_balance: '5.00' }, { session: s });
    expect(manual.status).toBe(201);
    // A second candidate: the linked account must still not offer linking again (that would lose the first).
    expect((await callFunction('accounts-manual', { action: 'create', name: 'Spare checking', type: 'depository' }, { session: s })).status).toBe(201);
    const page = await openAs(browser, s.email);
    const card = connectionCard(page, 'First Platypus Bank');

    const saving = accountRow(page, 'Plaid Saving');
    await saving.locator('summary').click();
    await saving.getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename Plaid Saving' });
    await rename.getByLabel('Name in Nestfolio').fill('Rainy day');
    await rename.getByRole('button', { name: 'Save name' }).click();
    const rainy = accountRow(page, 'Rainy day');
    await rainy.waitFor();
    await rainy.getByRole('button', { name: 'Hide from lists' }).click();
    await rainy.waitFor({ state: 'detached' });
    await page.getByLabel('Show hidden accounts').check();
    await rainy.getByText('Hidden').waitFor();

    const checking = accountRow(page, 'Plaid Checking');
    await checking.locator('summary').click();
    await checking.getByRole('button', { name: 'Link to a manual account' }).click();
    const link = page.getByRole('dialog', { name: 'Link Plaid Checking to a manual account' });
    await link.getByLabel('Manual account').selectOption({ label: 'Old checking ($5.00)' });
    await link.getByRole('button', { name: 'Link accounts' }).click();
    // The manual account is now fed by the bank: it moves under the connection, with Plaid's balance.
    const old = card.getByTestId('account').filter({ has: page.locator('summary', { hasText: 'Old checking' }) });
    await old.waitFor();
    await checking.waitFor({ state: 'detached' });
    expect(await old.getByTestId('balance').textContent()).toMatch(/^\$110\.00/);
    await old.locator('summary').click();
    await old.getByRole('button', { name: 'Unlink' }).waitFor();
    expect(await old.getByRole('button', { name: 'Link to a manual account' }).count()).toBe(0);
    await screenshot(page, 'accounts-linked-manual');
    const [row] = await sql`select a.source, a.display_name, pa.item_id from public.accounts a join public.plaid_accounts pa on pa.account_id = a.id
      where a.id = ${manual.body.account.id}`;
    expect(row).toEqual({ source: 'plaid', display_name: 'Old checking', item_id: item.id });
    expect(page.errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('Hosted build', () => {
  it('signs in with Supabase Auth (an email link), explaining a failure', async () => {
    const envDir = mkdtempSync(join(tmpdir(), 'nestfolio-hosted-env-'));
    const distDir = mkdtempSync(join(tmpdir(), 'nestfolio-hosted-dist-'));
    writeFileSync(join(envDir, '.env'), `VITE_SUPABASE_URL=${testStack.apiUrl}\nVITE_SUPABASE_PUBLISHABLE_KEY=${testStack.keys.publishableKey}\n`);
    await buildWebClient(distDir, envDir, join(testStack.stateDir, 'vite-cache-hosted-signin'));
    const web = await startLocalWeb({
      port: 0, mode: 'static', envDir, distDir, cacheDir: '', defaultEmail: 'unused@example.com', log: () => {},
      mintSession: () => { throw new Error('a hosted build never asks for a local session'); },
    });
    try {
      const page = await browser.newPage();
      await page.goto(web.url);
      await page.getByRole('heading', { name: 'Sign in to Nestfolio' }).waitFor();
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await page.getByRole('alert').getByText('Enter your email address, such as you@example.com.').waitFor();
      await page.getByLabel('Email address').fill('someone@example.com');
      // There is no Supabase Auth server locally: the request goes to GoTrue's endpoint and fails visibly.
      const otp = page.waitForRequest((r) => r.url().startsWith(`${testStack.apiUrl}/auth/v1/otp`) && r.method() === 'POST');
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      expect(JSON.parse((await otp).postData() ?? '{}')).toMatchObject({ email: 'someone@example.com' });
      await page.getByRole('alert').getByText(/^Sending the link failed: /).waitFor();
      await screenshot(page, 'hosted-sign-in');
      await page.close();
    } finally {
      await web.close();
    }
  }, 60_000);
});
