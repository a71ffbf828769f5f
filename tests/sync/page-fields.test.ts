// The engine sends each /transactions/sync page to the database with only the transaction fields
// private.apply_transactions_page reads (sync/transactions.ts): the two lists must be the same, or a
// field the database stores would arrive as null. The function's list is read from the database.
import { describe, expect, it } from 'vitest';
import { PAGE_TRANSACTION_FIELDS, pageForDatabase } from '../../supabase/functions/_shared/sync/transactions.ts';
import { sql } from '../support/sync.ts';

describe('the page the engine sends', () => {
  it('carries exactly the transaction fields apply_transactions_page reads', async () => {
    const [{ src }] = await sql`select prosrc as src from pg_proc where oid = 'private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer)'::regprocedure`;
    const recordsets = [...(src as string).matchAll(/jsonb_to_recordset\(v_(?:added|modified)\)\s+as t\(([^)]*(?:\([^)]*\)[^)]*)*)\)/g)];
    expect(recordsets).toHaveLength(2);
    for (const [, columns] of recordsets) {
      const names = columns.split(',').map((c) => c.trim().split(/\s+/)[0]);
      expect([...names].sort()).toEqual([...PAGE_TRANSACTION_FIELDS].sort());
    }
  });

  it('keeps Plaid\'s names and values, leaves out nulls and fields the database does not store', () => {
    const t = {
      transaction_id: 't1', account_id: 'a1', amount: 12.5, date: '2026-01-02', name: 'Shop', pending: false, check_number: null,
      location: { city: 'Emeryville', lat: null }, personal_finance_category: { primary: 'FOOD' }, payment_meta: { payee: null }, category: ['Food'],
    };
    const page = JSON.parse(pageForDatabase({ added: [t], modified: [], removed: [{ transaction_id: 't0' }], accounts: [], has_more: false, next_cursor: 'c', request_id: 'r' } as never));
    expect(page.added).toEqual([{ transaction_id: 't1', account_id: 'a1', amount: 12.5, date: '2026-01-02', name: 'Shop', pending: false,
      location: { city: 'Emeryville', lat: null }, personal_finance_category: { primary: 'FOOD' } }]);
    expect(page).toMatchObject({ removed: [{ transaction_id: 't0' }], has_more: false, next_cursor: 'c', request_id: 'r' });
  });
});
