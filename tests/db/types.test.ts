// The committed database types (supabase/functions/_shared/database.types.ts) are what
// `supabase gen types typescript` generates from the migrated test database, so they are never stale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { typesFile, typesFromDatabase } from '../../local/gen-types.ts';
import { testStack } from '../support/stack.ts';

describe('generated database types', () => {
  it('are current (else run `npm run gen:types` and commit the result)', () => {
    const committed = readFileSync(typesFile, 'utf8');
    // The CLI prints a notice when the local cluster refuses TLS; it must never end up in the file.
    expect(committed, 'database.types.ts contains CLI output: regenerate it with PGSSLMODE=disable npm run gen:types')
      .not.toMatch(/Connected to .* without TLS/);
    process.env.PGSSLMODE = 'disable';
    const generated = typesFromDatabase(testStack.dbUrl);
    expect(committed === generated, 'supabase/functions/_shared/database.types.ts is stale: run `npm run gen:types` and commit it')
      .toBe(true);
  });

  it('describe the data model the functions use', () => {
    const committed = readFileSync(typesFile, 'utf8');
    for (const name of ['plaid_items', 'accounts', 'plaid_accounts', 'transactions', 'liabilities', 'securities', 'holdings',
      'investment_transactions', 'plaid_sync_state', 'sync_runs', 'webhook_events', 'account_overview', 'item_overview',
      'link_plaid_account_to_manual']) {
      expect(committed).toContain(`"${name}"`);
    }
    // Only the Data API's schema: nothing of private (token functions, internals) is described for clients.
    expect(committed).not.toMatch(/"private"|read_item_access_token/);
  });
});
