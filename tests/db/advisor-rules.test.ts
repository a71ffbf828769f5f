// `npm test` runs `supabase db advisors` and `supabase db lint` once against the test database and fails
// on what they find for our schemas (local/db-checks.ts). These are the rules it applies.
import { describe, expect, it } from 'vitest';
import { judgeAdvisories, judgeLint, type Advisory } from '../../local/db-checks.ts';

const advisory = (name: string, schema: string | undefined, detail = `${name} detail`): Advisory =>
  ({ name, level: 'WARN', detail, categories: ['SECURITY'], metadata: schema ? { schema, name: 'x' } : {} });

describe('advisor findings', () => {
  it('fail the run when they concern public or private', () => {
    const r = judgeAdvisories([advisory('rls_disabled_in_public', 'public'), advisory('function_search_path_mutable', 'private')]);
    expect(r.failures).toEqual([
      'WARN rls_disabled_in_public (public): rls_disabled_in_public detail',
      'WARN function_search_path_mutable (private): function_search_path_mutable detail',
    ]);
  });

  it('fail the run when they name no schema (nothing is expected there locally)', () => {
    expect(judgeAdvisories([advisory('auth_leaked_password_protection', undefined)]).failures).toHaveLength(1);
  });

  it('list the platform stand-ins\' schemas apart, without failing', () => {
    expect(judgeAdvisories([advisory('rls_disabled_in_public', 'net'), advisory('x', 'vault')])).toEqual({ failures: [], accepted: [], elsewhere: 2 });
  });

  it('accept unused_index on a new database only for our own <table>_<columns>_idx indexes', () => {
    const ours = advisory('unused_index', 'public', 'Index `transactions_account_id_date_idx` on table `public.transactions` has not been used');
    const stray = advisory('unused_index', 'public', 'Index `some_index` on table `public.transactions` has not been used');
    const r = judgeAdvisories([ours, stray]);
    expect(r.accepted).toHaveLength(1);
    expect(r.failures).toEqual([`WARN unused_index (public): ${stray.detail}`]);
  });
});

describe('lint issues', () => {
  it('every warning or error fails the run, named with its function', () => {
    expect(judgeLint([
      { function: 'private.claim_sync', issues: [{ level: 'warning', message: 'unused variable "x"' }] },
      { function: 'public.clean', issues: [] },
    ])).toEqual(['private.claim_sync: warning unused variable "x"']);
  });
});
