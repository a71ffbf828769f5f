-- Sync state and the sync engine's request/lease half. Every sync request is database state: exchange,
-- webhook, "Sync now" and the schedule all call private.request_sync, which records the request and,
-- when no run holds the item's lease, calls plaid-sync through pg_net with the project URL and secret
-- key from Vault (Supabase's scheduling recipe). A run holds a lease (fencing token) per item and
-- product; each page of data is written together with its cursor by one call (61_sync_pages.sql), and
-- a write carrying a stale lease is refused, so a run that was presumed dead can never overwrite a newer
-- one. Custom SQLSTATE 'NF410': the caller's lease is no longer the item's (expired and taken over); the
-- engine maps it to the run outcome 'superseded'.
--
-- One lock order for everything that writes an item's rows: the item's sync state rows first, then its
-- runs and the item itself (item removal and repair take the same order, so nothing deadlocks).

create table public.plaid_sync_state (
  item_id uuid not null,
  product text not null check (product in ('transactions', 'liabilities', 'investments')),
  user_id uuid not null,
  -- The next_cursor of the last page whose data is committed: never ahead of the data.
  cursor text,
  -- The cursor at the start of the current pagination loop: on
  -- TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION the loop restarts from here (Plaid's rule).
  loop_start_cursor text,
  has_more boolean not null default false,
  last_synced_at timestamptz,
  -- A sync is wanted since requested_at (null = not requested).
  requested_at timestamptz,
  -- Requested again while a run held the lease: one more pass after it.
  rerun_requested boolean not null default false,
  running_since timestamptz,
  -- Fencing token of the run holding the lease: writes carrying another lease_id are rejected.
  lease_id uuid,
  lease_expires_at timestamptz,
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  last_error jsonb check (last_error is null or jsonb_typeof(last_error) = 'object'),
  last_error_at timestamptz,
  initial_sync_done boolean not null default false,
  -- Transactions stored so far (progress of the initial sync for the UI).
  transactions_total integer not null default 0 check (transactions_total >= 0),
  -- The last pg_net call made for this item and product: with net._http_response it tells whether the
  -- call was answered (plaid-sync answers only after it has taken the lease or coalesced the request).
  last_dispatch_id bigint,
  last_dispatched_at timestamptz,
  -- When plaid-sync last picked up a call (took the lease or coalesced the request): a call made after
  -- that and not picked up within sync_settings.lost_after was lost. (pg_net's own net._http_response
  -- has no index on id, so looking calls up there would not scale.)
  last_claimed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (item_id, product),
  constraint plaid_sync_state_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint plaid_sync_state_lease_complete check ((lease_id is null) = (lease_expires_at is null))
);
create index plaid_sync_state_user_id_item_id_idx on public.plaid_sync_state (user_id, item_id);
-- The sweep's queries (62_sync_sweep.sql): due requests and stale products, and what is in flight.
create index plaid_sync_state_requested_at_idx on public.plaid_sync_state (requested_at) where requested_at is not null;
create index plaid_sync_state_last_synced_at_idx on public.plaid_sync_state (last_synced_at nulls first) where requested_at is null;
-- Only calls not picked up yet and runs holding a lease: small, whatever the number of items.
create index plaid_sync_state_unclaimed_dispatch_idx on public.plaid_sync_state (last_dispatched_at)
  where last_claimed_at is null or last_claimed_at < last_dispatched_at;
create index plaid_sync_state_lease_expires_at_idx on public.plaid_sync_state (lease_expires_at) where lease_id is not null;

comment on table public.plaid_sync_state is
  'Sync state per item and product: cursor (committed with its data), request/lease/retry bookkeeping, progress. Written by the sync.';
comment on column public.plaid_sync_state.last_dispatch_id is
  'pg_net request id of the last plaid-sync call for this item and product (see net._http_response).';
comment on column public.plaid_sync_state.last_claimed_at is
  'When plaid-sync last took the lease or coalesced a request; a later dispatch not yet claimed is in flight.';

create trigger plaid_sync_state_set_updated_at
  before update on public.plaid_sync_state
  for each row execute function private.set_updated_at();

alter table public.plaid_sync_state enable row level security;

create policy "plaid_sync_state: owner reads"
  on public.plaid_sync_state for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.plaid_sync_state from public, anon, authenticated, service_role;
grant select on public.plaid_sync_state to authenticated;
grant select, insert, update, delete on public.plaid_sync_state to service_role;


create table public.sync_runs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  item_id uuid not null,
  product text not null check (product in ('transactions', 'liabilities', 'investments')),
  trigger text not null check (trigger in ('initial', 'webhook', 'manual', 'cron', 'retry', 'follow_up')),
  lease_id uuid,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text not null default 'running'
    check (outcome in ('running', 'succeeded', 'failed', 'superseded', 'continued')),
  added integer not null default 0 check (added >= 0),
  modified integer not null default 0 check (modified >= 0),
  removed integer not null default 0 check (removed >= 0),
  pages integer not null default 0 check (pages >= 0),
  -- Records Plaid sent that could not be stored as sent (public.quarantined_records); the rest were.
  quarantined integer not null default 0 check (quarantined >= 0),
  plaid_request_ids text[] not null default '{}',
  error_code text,
  error jsonb check (error is null or jsonb_typeof(error) = 'object'),
  constraint sync_runs_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint sync_runs_finished_after_start check (finished_at >= started_at),
  constraint sync_runs_finished_iff_done check ((outcome = 'running') = (finished_at is null))
);
create index sync_runs_user_id_item_id_started_at_idx on public.sync_runs (user_id, item_id, started_at desc);

comment on table public.sync_runs is
  'One row per sync run: trigger, timings, counts, Plaid request_ids, outcome. For the UI status and for support. Written by the sync.';

alter table public.sync_runs enable row level security;

create policy "sync_runs: owner reads"
  on public.sync_runs for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.sync_runs from public, anon, authenticated, service_role;
grant select on public.sync_runs to authenticated;
grant select, insert, update, delete on public.sync_runs to service_role;


create or replace function private.item_is_syncable(p_status text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  -- Items that need the user (update mode) are not retried until repaired.
  select p_status in ('healthy', 'pending_expiration', 'pending_disconnect')
$$;
revoke all on function private.item_is_syncable(text) from public, anon, authenticated, service_role;

create or replace function private.dispatch_sync(p_item_id uuid, p_product text, p_trigger text)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
  v_request bigint;
begin
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'project_url';
  select s.decrypted_secret into v_key from vault.decrypted_secrets s where s.name = 'secret_key';
  if v_url is null or v_key is null then
    raise warning 'plaid-sync not called: set the Vault secrets project_url and secret_key (README, Deploy)';
    return null;
  end if;
  -- Sent after commit (nothing is sent if the caller rolls back). plaid-sync answers 202 at once.
  v_request := net.http_post(
    url := v_url || '/functions/v1/plaid-sync',
    headers := jsonb_build_object('Content-Type', 'application/json', 'apikey', v_key),
    body := jsonb_build_object('item_id', p_item_id, 'product', p_product, 'trigger', p_trigger),
    timeout_milliseconds := 10000);
  update public.plaid_sync_state s set last_dispatch_id = v_request, last_dispatched_at = now()
  where s.item_id = p_item_id and s.product = p_product;
  return v_request;
end
$$;
comment on function private.dispatch_sync(uuid, text, text) is
  'Calls plaid-sync for one item and product through pg_net (after commit). Returns the pg_net request id.';
revoke all on function private.dispatch_sync(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function private.dispatch_sync(uuid, text, text) to service_role;

-- Records a sync request; dispatches it unless a run holds the lease or the item needs the user.
create or replace function private.request_sync(p_item_id uuid, p_product text, p_trigger text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_status text;
begin
  select i.status into v_status from public.plaid_items i where i.id = p_item_id;
  if not found then
    return false;
  end if;
  insert into public.plaid_sync_state as s (item_id, product, user_id, requested_at)
  select i.id, p_product, i.user_id, now() from public.plaid_items i where i.id = p_item_id
  on conflict (item_id, product) do update
    set requested_at = coalesce(s.requested_at, now()),
        -- A fresh request from a person or Plaid is worth trying now, whatever the backoff said.
        next_attempt_at = case when p_trigger in ('manual', 'webhook', 'initial') then null else s.next_attempt_at end,
        rerun_requested = s.rerun_requested or (s.lease_id is not null and s.lease_expires_at > now())
  returning * into v_state;
  if v_state.lease_id is not null and v_state.lease_expires_at > now() then
    return false; -- the running pass picks it up (rerun_requested)
  end if;
  if not private.item_is_syncable(v_status) then
    return false;
  end if;
  perform private.dispatch_sync(p_item_id, p_product, p_trigger);
  return true;
exception when foreign_key_violation then
  return false; -- the item was removed while the request was being recorded
end
$$;
comment on function private.request_sync(uuid, text, text) is
  'Records a sync request for an item and product; dispatches plaid-sync unless a run holds the lease (then one more pass follows) or the item needs the user. True when dispatched.';
revoke all on function private.request_sync(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function private.request_sync(uuid, text, text) to service_role;

-- The initial sync is requested in the exchange's transaction; dispatch it after that commit too.
create or replace function private.dispatch_requested_syncs(p_item_id uuid, p_trigger text)
returns integer
language sql
security definer
set search_path = ''
as $$
  select count(private.dispatch_sync(s.item_id, s.product, p_trigger))::integer
  from public.plaid_sync_state s where s.item_id = p_item_id and s.requested_at is not null;
$$;
revoke all on function private.dispatch_requested_syncs(uuid, text) from public, anon, authenticated, service_role;
grant execute on function private.dispatch_requested_syncs(uuid, text) to service_role;

-- Takes the lease for one item and product and records that plaid-sync picked the call up
-- (last_claimed_at). Returns no row when another run holds a live lease (the request is then coalesced
-- into one more pass of that run, rerun_requested) or the item needs the user.
create or replace function private.claim_sync(p_item_id uuid, p_product text, p_trigger text, p_lease_seconds integer)
returns table (lease_id uuid, run_id uuid, user_id uuid, cursor text, loop_start_cursor text, has_more boolean,
               initial_sync_done boolean, access_token text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_status text;
  v_lease uuid := gen_random_uuid();
  v_run uuid;
begin
  select i.status into v_status from public.plaid_items i where i.id = p_item_id;
  if not found or not private.item_is_syncable(v_status) then
    return;
  end if;
  insert into public.plaid_sync_state as s (item_id, product, user_id)
  select i.id, p_product, i.user_id from public.plaid_items i where i.id = p_item_id
  on conflict (item_id, product) do nothing;
  select * into v_state from public.plaid_sync_state s where s.item_id = p_item_id and s.product = p_product for update;
  if not found then
    return; -- the item was removed meanwhile
  end if;
  if v_state.lease_id is not null and v_state.lease_expires_at > now() then
    update public.plaid_sync_state s set rerun_requested = true, last_claimed_at = now()
    where s.item_id = p_item_id and s.product = p_product;
    return;
  end if;
  if v_state.lease_id is not null then
    -- The previous holder's lease expired (crashed or killed run): its run record says so.
    update public.sync_runs r set outcome = 'superseded', finished_at = greatest(now(), r.started_at)
    where r.item_id = p_item_id and r.product = p_product and r.lease_id = v_state.lease_id and r.outcome = 'running';
  end if;
  update public.plaid_sync_state s
  set lease_id = v_lease, lease_expires_at = now() + make_interval(secs => p_lease_seconds), running_since = now(),
      rerun_requested = false, last_claimed_at = now()
  where s.item_id = p_item_id and s.product = p_product;
  insert into public.sync_runs (user_id, item_id, product, trigger, lease_id)
  values (v_state.user_id, p_item_id, p_product, p_trigger, v_lease)
  returning id into v_run;
  -- The token comes with the lease: one round trip fewer per run (a no-change sync costs three).
  return query select v_lease, v_run, v_state.user_id, v_state.cursor, v_state.loop_start_cursor, v_state.has_more,
    v_state.initial_sync_done, private.read_item_access_token(p_item_id);
exception when foreign_key_violation then
  return; -- the item was removed while its first state row was being created: nothing to sync
end
$$;
comment on function private.claim_sync(uuid, text, text, integer) is
  'Takes the item/product sync lease, opens a sync_runs row and returns the cursor state and access token; no row when a live lease exists (then rerun_requested) or the item needs the user.';
revoke all on function private.claim_sync(uuid, text, text, integer) from public, anon, authenticated, service_role;
grant execute on function private.claim_sync(uuid, text, text, integer) to service_role;

-- Locks the item's state row for a write of the run holding p_lease_id, extending the lease
-- (heartbeat). Raises NF410 when the lease is no longer this run's.
create or replace function private.hold_lease(p_item_id uuid, p_product text, p_lease_id uuid, p_lease_seconds integer)
returns public.plaid_sync_state
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
begin
  select * into v_state from public.plaid_sync_state s
  where s.item_id = p_item_id and s.product = p_product for update;
  if not found or v_state.lease_id is distinct from p_lease_id or v_state.lease_expires_at <= now() then
    raise exception 'sync lease % for item % (%) is no longer held', p_lease_id, p_item_id, p_product using errcode = 'NF410';
  end if;
  update public.plaid_sync_state s set lease_expires_at = now() + make_interval(secs => p_lease_seconds)
  where s.item_id = p_item_id and s.product = p_product;
  return v_state;
end
$$;
revoke all on function private.hold_lease(uuid, text, uuid, integer) from public, anon, authenticated, service_role;

-- Ends a run. p_outcome: succeeded | continued (budget used up: a follow-up invocation is dispatched)
-- | failed (p_item_status set for item errors that need the user; otherwise transient, retried with
-- backoff) | superseded. A finishing run hands its slot to the next due item (sweep_syncs). Returns
-- true when another pass was requested while this one ran.
create or replace function private.finish_sync(
  p_item_id uuid, p_product text, p_lease_id uuid, p_run_id uuid, p_outcome text, p_error jsonb, p_item_status text
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_rerun boolean;
begin
  -- The item's sync state is locked before anything else of the item (its runs, the item itself), as
  -- every writer does: one lock order, no deadlocks with item removal.
  select * into v_state from public.plaid_sync_state s where s.item_id = p_item_id and s.product = p_product for update;
  update public.sync_runs r set outcome = p_outcome, finished_at = greatest(now(), r.started_at),
    error = p_error, error_code = p_error ->> 'error_code'
  where r.id = p_run_id and r.outcome = 'running';
  if v_state.item_id is null or v_state.lease_id is distinct from p_lease_id then
    return false; -- superseded (the state belongs to another run now) or the item was removed
  end if;
  v_rerun := v_state.rerun_requested;
  update public.plaid_sync_state s set
    lease_id = null, lease_expires_at = null, running_since = null, rerun_requested = false,
    last_synced_at = case when p_outcome = 'succeeded' then now() else s.last_synced_at end,
    requested_at = case
      when p_outcome = 'succeeded' and not v_rerun then null
      when p_outcome = 'succeeded' then now()
      else coalesce(s.requested_at, now()) end,
    attempts = case when p_outcome = 'failed' and p_item_status is null then s.attempts + 1
                    when p_outcome in ('succeeded', 'continued') then 0 else s.attempts end,
    -- Transient failures back off exponentially: 1, 2, 4, ... minutes, at most 6 hours.
    next_attempt_at = case when p_outcome = 'failed' and p_item_status is null
      then now() + least(interval '6 hours', interval '1 minute' * power(2, s.attempts)) else null end,
    last_error = case when p_outcome = 'failed' then p_error when p_outcome = 'succeeded' then null else s.last_error end,
    last_error_at = case when p_outcome = 'failed' then now() else s.last_error_at end
  where s.item_id = p_item_id and s.product = p_product;
  if p_item_status is not null then
    update public.plaid_items i set status = p_item_status, error = p_error, error_code = p_error ->> 'error_code'
    where i.id = p_item_id;
  elsif p_outcome = 'succeeded' then
    update public.plaid_items i set status = 'healthy', error = null, error_code = null
    where i.id = p_item_id and i.status = 'error';
  end if;
  if p_outcome = 'continued' then
    perform private.dispatch_sync(p_item_id, p_product, 'follow_up');
  elsif not (v_rerun and p_outcome = 'succeeded') then
    -- This run's slot is free: the next due item takes it (a no-op when nothing is due).
    perform private.sweep_syncs(1);
  end if;
  return v_rerun and p_outcome = 'succeeded';
end
$$;
comment on function private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text) is
  'Releases the run''s lease and records its outcome (retry backoff, item status, follow-up dispatch). True when one more pass is due.';
revoke all on function private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text) from public, anon, authenticated, service_role;
grant execute on function private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text) to service_role;
