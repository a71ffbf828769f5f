-- Privileges, explicitly per role (the platform grants nothing automatically since 2026). Everything
-- is revoked first, so the result does not depend on a project's default privileges. RLS policies
-- (in each table's migration) then restrict authenticated to its own rows.
--   anon           nothing at all.
--   authenticated  reads its own rows; writes manual accounts, hides/renames synced accounts, links
--                  accounts through the RPC. Never sees token secret ids or webhook payloads.
--   service_role   the server: reads and writes every table (it bypasses RLS, not privileges), and
--                  executes the Vault token functions. The Edge Functions mostly connect as postgres,
--                  which owns every object here.

revoke all on table
  public.plaid_items, public.accounts, public.plaid_accounts, public.transactions, public.liabilities,
  public.securities, public.holdings, public.investment_transactions, public.plaid_sync_state,
  public.sync_runs, public.webhook_events, public.item_overview, public.account_overview
from public, anon, authenticated, service_role;

-- authenticated: reads (RLS: own rows) ---------------------------------------------------------------
grant select (
  id, user_id, plaid_item_id, institution_id, institution_name, status, error, error_code,
  products_available, products_billed, consent_expires_at, webhook_url, new_accounts_available,
  last_balance_refresh_at, created_at, updated_at
) on public.plaid_items to authenticated;   -- not access_token_secret_id

grant select on
  public.accounts, public.plaid_accounts, public.transactions, public.liabilities, public.securities,
  public.holdings, public.investment_transactions, public.plaid_sync_state, public.sync_runs
to authenticated;

grant select (
  id, received_at, last_received_at, delivery_count, webhook_type, webhook_code, plaid_item_id,
  item_id, user_id, processed_at, outcome
) on public.webhook_events to authenticated;   -- not payload, body_sha256 or error

grant select on public.item_overview, public.account_overview to authenticated;

-- authenticated: writes (RLS: own manual accounts; synced accounts: hidden and display_name only,
-- enforced by private.accounts_guard_user_writes). user_id defaults to auth.uid(), source to
-- 'manual', balance_updated_at is stamped by the trigger: none of them is writable by users.
grant insert (
  name, display_name, type, subtype, current_balance, available_balance, credit_limit, currency,
  unofficial_currency_code, hidden
) on public.accounts to authenticated;
grant update (
  name, display_name, type, subtype, current_balance, available_balance, credit_limit, currency,
  unofficial_currency_code, hidden
) on public.accounts to authenticated;
grant delete on public.accounts to authenticated;

-- The account-linking RPC: the public SECURITY INVOKER entry and the one private function it calls.
grant usage on schema private to authenticated;
grant execute on function public.link_plaid_account_to_manual(uuid, uuid) to authenticated;
grant execute on function private.link_plaid_account_to_manual(uuid, uuid) to authenticated;

-- service_role ----------------------------------------------------------------------------------------
grant select, insert, update, delete on
  public.plaid_items, public.accounts, public.plaid_accounts, public.transactions, public.liabilities,
  public.securities, public.holdings, public.investment_transactions, public.plaid_sync_state,
  public.sync_runs, public.webhook_events
to service_role;
grant select on public.item_overview, public.account_overview to service_role;

grant usage on schema private to service_role;
grant execute on function
  private.store_item_access_token(uuid, text),
  private.read_item_access_token(uuid),
  private.rotate_item_access_token(uuid, text),
  private.delete_item_access_token(uuid)
to service_role;
