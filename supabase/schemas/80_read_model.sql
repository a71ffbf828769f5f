-- The UI's read model: views with security_invoker = true, so every underlying table's RLS applies to
-- the caller (a user sees only their own rows through them) and column grants are respected.

-- action_needed for an item:
--   reconnect                   login_required, pending_expiration, pending_disconnect: Link update mode
--   reconnect_required_revoked  the user revoked access at the institution: connect it again
--   error                       another item error (see error_code)
--   new_accounts                Plaid has new accounts to share: Link update mode with account selection
create view public.item_overview
with (security_invoker = true)
as
select
  i.id,
  i.institution_id,
  i.institution_name,
  i.status,
  i.error_code,
  i.error ->> 'display_message' as error_display_message,
  i.consent_expires_at,
  i.new_accounts_available,
  i.products_available,
  i.products_billed,
  i.last_balance_refresh_at,
  i.created_at,
  i.updated_at,
  t.last_synced_at,
  coalesce(t.initial_sync_done, false) as initial_sync_done,
  coalesce(t.transactions_total, 0) as transactions_synced,
  coalesce(s.running, false) as sync_running,
  -- In progress: running, or wanted and due now. A failed sync waiting for its retry (a bank outage,
  -- Plaid's 5xx, a timeout) is not in progress: sync_retry_at says when it is tried again.
  coalesce(s.running or s.due, false) as sync_in_progress,
  case when not coalesce(s.running or s.due, false) then s.retry_at end as sync_retry_at,
  s.last_error_at as last_sync_error_at,
  s.last_error_code as last_sync_error_code,
  s.last_error_display_message as last_sync_error_display_message,
  (select count(*) from public.plaid_accounts pa where pa.item_id = i.id and pa.account_id is not null)::integer as account_count,
  case
    when i.status in ('login_required', 'pending_expiration', 'pending_disconnect') then 'reconnect'
    when i.status = 'revoked' then 'reconnect_required_revoked'
    when i.status = 'error' then 'error'
    when i.new_accounts_available then 'new_accounts'
  end as action_needed,
  -- Records Plaid sent that could not be stored as sent (public.quarantined_records): the rest were.
  (select count(*) from public.quarantined_records q where q.user_id = i.user_id and q.item_id = i.id)::integer as records_quarantined,
  -- What the last successful transactions sync changed ("12 new transactions"): every run since the
  -- success before it, so an import or a sync continued over several invocations counts whole; the
  -- first success is the import.
  lr.finished_at as last_sync_finished_at,
  coalesce(lc.added, 0) as last_sync_added,
  coalesce(lc.modified, 0) as last_sync_modified,
  coalesce(lc.removed, 0) as last_sync_removed,
  -- The import: the last sync is the first that stored anything (a first sync that found Plaid not
  -- ready yet, NOT_READY, added nothing; the sync its webhook starts brings the whole history).
  lr.started_at is not null and lc.previous_added = 0 as last_sync_was_import
from public.plaid_items i
left join public.plaid_sync_state t on t.item_id = i.id and t.product = 'transactions'
left join lateral (
  select
    bool_or(ss.running_since is not null and ss.lease_expires_at > now()) as running,
    bool_or(ss.requested_at is not null and (ss.next_attempt_at is null or ss.next_attempt_at <= now())) as due,
    min(ss.next_attempt_at) filter (where ss.requested_at is not null and ss.next_attempt_at > now()) as retry_at,
    -- The last error of a sync that has not succeeded since (a success clears last_error).
    max(ss.last_error_at) filter (where ss.last_error is not null) as last_error_at,
    (array_agg(ss.last_error ->> 'error_code' order by ss.last_error_at desc nulls last)
       filter (where ss.last_error is not null))[1] as last_error_code,
    (array_agg(ss.last_error ->> 'display_message' order by ss.last_error_at desc nulls last)
       filter (where ss.last_error is not null))[1] as last_error_display_message
  from public.plaid_sync_state ss
  where ss.item_id = i.id
) s on true
left join lateral (
  select r.started_at, r.finished_at
  from public.sync_runs r
  where r.user_id = i.user_id and r.item_id = i.id and r.product = 'transactions' and r.outcome = 'succeeded'
  order by r.started_at desc limit 1
) lr on true
left join lateral (
  select max(p.started_at) as started_at
  from public.sync_runs p
  where p.user_id = i.user_id and p.item_id = i.id and p.product = 'transactions'
    and p.outcome = 'succeeded' and p.started_at < lr.started_at
) prev on true
-- One pass over the runs up to the last success: those since the success before it (its changes), and
-- those up to that one (what was stored before it).
left join lateral (
  select sum(c.added) filter (where c.started_at > coalesce(prev.started_at, '-infinity'))::integer as added,
    sum(c.modified) filter (where c.started_at > coalesce(prev.started_at, '-infinity'))::integer as modified,
    sum(c.removed) filter (where c.started_at > coalesce(prev.started_at, '-infinity'))::integer as removed,
    coalesce(sum(c.added) filter (where c.started_at <= prev.started_at), 0) as previous_added
  from public.sync_runs c
  where c.user_id = i.user_id and c.item_id = i.id and c.product = 'transactions'
    and c.outcome in ('succeeded', 'continued') and c.started_at <= lr.started_at
) lc on true;

comment on view public.item_overview is
  'The caller''s connections with status, sync progress and action_needed (null | reconnect | reconnect_required_revoked | error | new_accounts).';

revoke all on table public.item_overview from public, anon, authenticated, service_role;
grant select on public.item_overview to authenticated, service_role;

create view public.account_overview
with (security_invoker = true)
as
select
  a.id,
  a.name,
  a.display_name,
  coalesce(a.display_name, a.name) as label,
  a.type,
  a.subtype,
  a.current_balance,
  a.available_balance,
  a.credit_limit,
  a.currency,
  a.unofficial_currency_code,
  a.source,
  a.hidden,
  a.balance_updated_at,
  a.linked_at,
  a.created_at,
  -- Kept after its connection was removed: the institution and mask stored on the account.
  coalesce(pa.mask, a.mask) as mask,
  pa.official_name,
  io.id as item_id,
  coalesce(io.institution_name, a.institution_name) as institution_name,
  io.status as item_status,
  io.error_code,
  io.last_synced_at,
  io.sync_in_progress,
  io.initial_sync_done,
  io.transactions_synced,
  io.action_needed,
  a.exclude_from_totals,
  a.closed_at,
  -- A link to a manual account that public.unlink_account can undo.
  exists (select 1 from public.account_links l where l.account_id = a.id) as link_undoable
from public.accounts a
left join public.plaid_accounts pa on pa.account_id = a.id
left join public.item_overview io on io.id = pa.item_id;

comment on view public.account_overview is
  'The caller''s accounts, manual and synced, with balances, source, item status, last synced, sync progress, action_needed, whether they count in totals, when closed and whether a link can be undone.';

revoke all on table public.account_overview from public, anon, authenticated, service_role;
grant select on public.account_overview to authenticated, service_role;
