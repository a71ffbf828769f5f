// Every user function answers bad input with a 4xx and a message that names the problem, and writes
// nothing. One table drives every function through the same malformed requests.
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { callFunction } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });

// A syntactically valid body per function, one of its required fields, and a body with one field of the
// wrong type (wrongField: the field the error message must name).
const functions: Array<{ name: string; valid: Record<string, unknown>; required?: string; wrongType: Record<string, unknown>; wrongField: string }> = [
  { name: 'plaid-link-token', valid: {}, wrongType: { item_id: 42 }, wrongField: 'item_id' },
  { name: 'plaid-exchange-token', valid: { public_token: 'public-sandbox-abc' }, required: 'public_token', wrongType: { public_token: ['x'] }, wrongField: 'public_token' },
  { name: 'plaid-balance', valid: { item_id: crypto.randomUUID() }, required: 'item_id', wrongType: { item_id: 'not-a-uuid' }, wrongField: 'item_id' },
  { name: 'plaid-item-remove', valid: { item_id: crypto.randomUUID(), keep_history: true }, required: 'keep_history', wrongType: { item_id: crypto.randomUUID(), keep_history: 'yes' }, wrongField: 'keep_history' },
  { name: 'plaid-accounts', valid: {}, wrongType: { extra: 1 }, wrongField: 'extra' },
  { name: 'plaid-item-repaired', valid: { item_id: crypto.randomUUID() }, required: 'item_id', wrongType: { item_id: crypto.randomUUID(), account_selection: 'yes' }, wrongField: 'account_selection' },
  { name: 'plaid-sync', valid: { item_id: crypto.randomUUID() }, required: 'item_id', wrongType: { item_id: 5 }, wrongField: 'item_id' },
  { name: 'accounts-link', valid: { synced_account_id: crypto.randomUUID(), manual_account_id: crypto.randomUUID() }, required: 'manual_account_id', wrongType: { synced_account_id: crypto.randomUUID(), manual_account_id: true }, wrongField: 'manual_account_id' },
  { name: 'transactions', valid: { limit: 10 }, wrongType: { limit: 'ten' }, wrongField: 'limit' },
  { name: 'accounts-manual', valid: { action: 'create', name: 'Cash jar', type: 'depository' }, required: 'name', wrongType: { action: 'create', name: 'Cash', type: 'depository', current_balance: 12.5 }, wrongField: 'current_balance' },
  { name: 'net-worth', valid: { range: '1Y' }, wrongType: { range: '2W' }, wrongField: 'range' },
  { name: 'balance-history', valid: { account_id: crypto.randomUUID(), range: '1M' }, required: 'account_id', wrongType: { account_id: crypto.randomUUID(), range: 12 }, wrongField: 'range' },
  { name: 'transactions-search', valid: { query: 'coffee', limit: 10 }, wrongType: { min_amount: 5 }, wrongField: 'min_amount' },
  { name: 'transactions-export', valid: { status: 'posted' }, wrongType: { account_ids: 'all' }, wrongField: 'account_ids' },
  { name: 'investments', valid: { account_id: crypto.randomUUID() }, required: 'account_id', wrongType: { account_id: crypto.randomUUID(), limit: 0 }, wrongField: 'limit' },
];

async function writesOf(userId: string): Promise<number> {
  const [r] = await sql`select
    (select count(*) from public.plaid_items where user_id = ${userId}) +
    (select count(*) from public.accounts where user_id = ${userId}) +
    (select count(*) from public.plaid_sync_state where user_id = ${userId}) as n`;
  return Number(r.n);
}

describe.each(functions)('$name rejects bad input with a 4xx and writes nothing', (fn) => {
  const cases: Array<[string, { body?: unknown; raw?: string; method?: string; contentType?: string }, number, RegExp]> = [
    ['malformed JSON', { raw: '{"item_id": ' }, 400, /not valid JSON/],
    ['a JSON array instead of an object', { raw: '[1,2]' }, 400, /body/],
    ['an unknown field', { body: { ...fn.valid, surprise: true } }, 400, /surprise/],
    // The message names the offending field ("item_id: Invalid UUID"), as docs/api.md says.
    ['a field of the wrong type', { body: fn.wrongType }, 400, new RegExp(`\\b${fn.wrongField}\\b`)],
    ['a body over 64 KiB', { raw: JSON.stringify({ ...fn.valid, pad: 'x'.repeat(70_000) }) }, 413, /64|65536|bytes/],
    ['a non-JSON content type', { body: fn.valid, contentType: 'text/plain' }, 415, /application\/json/],
    ['GET instead of POST', { method: 'GET' }, 405, /POST/],
    // Text Postgres cannot store and a hostile depth, anywhere in the body (here: an unknown field).
    ['a NUL character', { body: { ...fn.valid, note: 'a\u0000b' } }, 400, /note: contains a NUL character/],
    ['an unpaired surrogate', { body: { ...fn.valid, ['k\ud800']: 1 } }, 400, /a key contains an unpaired UTF-16 surrogate/],
    ['nesting 20,000 levels deep', { raw: `{"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}` }, 400, /nested more than 32 levels/],
    ...(fn.required ? [[`a missing ${fn.required}`, { body: Object.fromEntries(Object.entries(fn.valid).filter(([k]) => k !== fn.required)) }, 400, new RegExp(fn.required)] as [string, { body: unknown }, number, RegExp]] : []),
  ];

  it.each(cases)('%s', async (_label, req, status, message) => {
    const s = await newSession();
    const before = await writesOf(s.user_id);
    const res = await callFunction(fn.name, req.body, { session: s }, { raw: req.raw, method: req.method, contentType: req.contentType });
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(message);
    expect(await writesOf(s.user_id)).toBe(before);
  });

  it('401 without a user token, even with the publishable key', async () => {
    const res = await callFunction(fn.name, fn.valid);
    expect(res.status).toBe(401);
  });
});

describe('values the database could not store are 4xx, not 500', () => {
  it('a NUL in a manual account\'s name, subtype or display_name', async () => {
    const s = await newSession();
    const before = await writesOf(s.user_id);
    for (const body of [
      { action: 'create', name: 'Cash\u0000jar', type: 'depository' },
      { action: 'create', name: 'Cash jar', type: 'depository', subtype: 'x\u0000' },
      { action: 'update', account_id: crypto.randomUUID(), display_name: '\u0000' },
    ]) {
      const res = await callFunction('accounts-manual', body, { session: s });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/NUL/) });
    }
    expect(await writesOf(s.user_id)).toBe(before);
  });

  it('transactions after a date such as 0000-01-01', async () => {
    const s = await newSession();
    const res = await callFunction('transactions', { after: { date: '0000-01-01', id: crypto.randomUUID() } }, { session: s });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/after\.date: .*year 1/);
    expect((await callFunction('transactions', { after: { date: '0001-01-01', id: crypto.randomUUID() } }, { session: s })).status).toBe(200);
  });

  it('an invalid public token is the caller\'s error: 400 PLAID_ERROR with Plaid\'s code, nothing stored', async () => {
    const s = await newSession();
    const res = await callFunction('plaid-exchange-token', { public_token: `public-sandbox-${crypto.randomUUID()}` }, { session: s });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'PLAID_ERROR', message: expect.stringMatching(/open Plaid Link again/), details: { error_code: 'INVALID_PUBLIC_TOKEN' } });
    expect(await writesOf(s.user_id)).toBe(0);
  });
});
