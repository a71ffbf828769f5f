// The engine sends each /transactions/sync page to the database with only the transaction fields
// private.apply_transactions_page reads (sync/transactions.ts): the two lists must be the same, or a
// field the database stores would arrive as null. The function reads them as private.plaid_transaction,
// whose fields are read from the database.
import { describe, expect, it } from 'vitest';
import { PAGE_TRANSACTION_FIELDS, pageForDatabase } from '../../supabase/functions/_shared/sync/transactions.ts';
import { sql } from '../support/sync.ts';

describe('the page the engine sends', () => {
  it('carries exactly the transaction fields apply_transactions_page reads (private.plaid_transaction)', async () => {
    const fields = await sql`select a.attname from pg_attribute a
      where a.attrelid = 'private.plaid_transaction'::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`;
    expect(fields.map((f) => f.attname)).toEqual([...PAGE_TRANSACTION_FIELDS]);
    const [{ src }] = await sql`select prosrc as src from pg_proc where oid = 'private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer)'::regprocedure`;
    expect((src as string).match(/jsonb_populate_recordset\(null::private\.plaid_transaction, v_(added|modified)\)/g)).toHaveLength(2);
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
