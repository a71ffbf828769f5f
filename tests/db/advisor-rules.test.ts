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

  it('accept unused_index on a new database only for our own <table>_<columns>_idx indexes (in private: the rate-limit buckets\' and the queues\')', () => {
    const ours = advisory('unused_index', 'public', 'Index `transactions_account_id_date_idx` on table `public.transactions` has not been used');
    const stray = advisory('unused_index', 'public', 'Index `some_index` on table `public.transactions` has not been used');
    const buckets = advisory('unused_index', 'private', 'Index `rate_limits_tat_idx` on table `private.rate_limits` has not been used');
    const queue = advisory('unused_index', 'private', 'Index `plaid_item_removals_pending_idx` on table `private.plaid_item_removals` has not been used');
    const checks = advisory('unused_index', 'private', 'Index `item_status_checks_requested_idx` on table `private.item_status_checks` has not been used');
    const otherPrivate = advisory('unused_index', 'private', 'Index `sync_settings_x_idx` on table `private.sync_settings` has not been used');
    const r = judgeAdvisories([ours, stray, buckets, queue, checks, otherPrivate]);
    expect(r.accepted).toHaveLength(4);
    expect(r.failures).toEqual([`WARN unused_index (public): ${stray.detail}`, `WARN unused_index (private): ${otherPrivate.detail}`]);
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
