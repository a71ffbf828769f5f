-- Sync state and the sync engine's request/lease half. Every sync request is database state: exchange,
-- webhook, "Sync now" and the schedule all call private.request_sync, which records the request and
-- coalesces it per item and product: into the run in flight (one more pass after it), into a call
-- already on its way, or into the next run when the previous one started less than min_run_interval
-- ago; otherwise it dispatches plaid-sync within max_in_flight (62_sync_sweep.sql), or leaves it queued
-- for a free slot. A burst of requests is one run plus one follow-up. A run holds a lease (fencing
-- token) per item and product; each page of data is written together with its cursor by one call
-- (61_sync_pages.sql), and a write carrying a stale lease is refused, so a run that was presumed dead
-- can never overwrite a newer one. Custom SQLSTATE 'NF410': the caller's lease is no longer the item's
-- (expired and taken over); the engine maps it to the run outcome 'superseded'.
--
-- One lock order for everything that writes an item's rows: the item's sync state rows first, then its
-- dispatch slot, its runs and the item itself (item removal and repair take the same order, so nothing
-- deadlocks); other items' rows and free slots are only ever taken with SKIP LOCKED.

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
  -- A sync is wanted since requested_at (null = not requested), first asked for by requested_trigger.
  requested_at timestamptz,
  requested_trigger text check (requested_trigger in ('initial', 'webhook', 'manual', 'cron', 'retry', 'follow_up')),
  -- Queued: dispatched at the first free slot from this time on (null = not waiting: idle, in flight,
  -- or the item needs the user).
  due_at timestamptz,
  -- Requested again while a run held the lease: one more pass after it.
  rerun_requested boolean not null default false,
  running_since timestamptz,
  -- When the last run started: the next one starts no sooner than min_run_interval after it.
  last_started_at timestamptz,
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
  -- The call to plaid-sync on its way (sent in its body; null once plaid-sync picked it up): in flight
  -- until lost_after. A call carrying another token is stale and does nothing.
  dispatch_token uuid,
  -- The last pg_net call made for this item and product (see net._http_response) and when.
  last_dispatch_id bigint,
  last_dispatched_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (item_id, product),
  constraint plaid_sync_state_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint plaid_sync_state_lease_complete check ((lease_id is null) = (lease_expires_at is null))
);
create index plaid_sync_state_user_id_item_id_idx on public.plaid_sync_state (user_id, item_id);
-- The dispatcher's queries (62_sync_sweep.sql): the queue, and stale products.
create index plaid_sync_state_due_at_idx on public.plaid_sync_state (due_at) where due_at is not null;
create index plaid_sync_state_last_synced_at_idx on public.plaid_sync_state (last_synced_at nulls first) where requested_at is null;

comment on table public.plaid_sync_state is
  'Sync state per item and product: cursor (committed with its data), request/queue/lease/retry bookkeeping, progress. Written by the sync.';
comment on column public.plaid_sync_state.last_dispatch_id is
  'pg_net request id of the last plaid-sync call for this item and product (see net._http_response).';
comment on column public.plaid_sync_state.due_at is
  'Queued for a dispatch slot from this time (a request beyond max_in_flight, a retry after its backoff, a follow-up after min_run_interval); null when not waiting.';
comment on column public.plaid_sync_state.dispatch_token is
  'Token of the plaid-sync call on its way (null once picked up); in flight until private.sync_settings.lost_after.';

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


-- Records a sync request and coalesces it per item and product: into the run holding the lease (one
-- more pass follows it) or into a call on its way (its run starts after this request). Otherwise it
-- is dispatched within max_in_flight (or queued for a free slot), for a run that starts no sooner
-- than min_run_interval after the last one started, so a burst is one run plus one follow-up. True
-- when a call was made.
create or replace function private.request_sync(p_item_id uuid, p_product text, p_trigger text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_status text;
  v_settings record; -- private.sync_settings (62_sync_sweep.sql)
begin
  select i.status into v_status from public.plaid_items i where i.id = p_item_id;
  if not found then
    return false;
  end if;
  select * into v_settings from private.sync_settings;
  insert into public.plaid_sync_state as s (item_id, product, user_id, requested_at, requested_trigger)
  select i.id, p_product, i.user_id, now(), p_trigger from public.plaid_items i where i.id = p_item_id
  on conflict (item_id, product) do update
    set requested_at = coalesce(s.requested_at, now()),
        requested_trigger = coalesce(s.requested_trigger, excluded.requested_trigger),
        -- A fresh request from a person or Plaid is worth trying now, whatever the backoff said.
        next_attempt_at = case when p_trigger in ('manual', 'webhook', 'initial') then null else s.next_attempt_at end,
        rerun_requested = s.rerun_requested or coalesce(s.lease_id is not null and s.lease_expires_at > now(), false)
  returning * into v_state;
  if private.sync_in_flight(v_state, v_settings.lost_after) or not private.item_is_syncable(v_status) then
    return false; -- coalesced into the run or call in flight; or waiting for the user to repair the item
  end if;
  if v_state.next_attempt_at > now() then
    -- Backing off after a failure: the sweep dispatches it when the backoff is over.
    update public.plaid_sync_state s set due_at = least(coalesce(s.due_at, v_state.next_attempt_at), v_state.next_attempt_at)
    where s.item_id = p_item_id and s.product = p_product;
    return false;
  end if;
  return private.dispatch_sync(p_item_id, p_product, coalesce(v_state.requested_trigger, p_trigger),
                               v_state.last_started_at + v_settings.min_run_interval) is not null;
exception when foreign_key_violation then
  return false; -- the item was removed while the request was being recorded
end
$$;
comment on function private.request_sync(uuid, text, text) is
  'Records a sync request for an item and product, coalesced per item (a burst is one run plus one follow-up); dispatches plaid-sync within max_in_flight or queues it. True when dispatched now.';
revoke all on function private.request_sync(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function private.request_sync(uuid, text, text) to service_role;

-- The initial sync is requested in the exchange's transaction; dispatch it after that commit too.
create or replace function private.dispatch_requested_syncs(p_item_id uuid, p_trigger text)
returns integer
language sql
security definer
set search_path = ''
as $$
  select count(*) filter (where private.request_sync(s.item_id, s.product, p_trigger))::integer
  from public.plaid_sync_state s where s.item_id = p_item_id and s.requested_at is not null;
$$;
revoke all on function private.dispatch_requested_syncs(uuid, text) from public, anon, authenticated, service_role;
grant execute on function private.dispatch_requested_syncs(uuid, text) to service_role;

-- Takes the lease for one item and product. p_dispatch is the token of the call being picked up (null
-- for a direct call with the secret key). Returns no row when the call is stale (its token is no
-- longer the item's), another run holds a live lease (the request then becomes one more pass of that
-- run, rerun_requested) or the item needs the user (the call's slot is then handed on).
create or replace function private.claim_sync(p_item_id uuid, p_product text, p_trigger text, p_lease_seconds integer,
                                              p_dispatch uuid default null)
returns table (lease_id uuid, run_id uuid, user_id uuid, cursor text, loop_start_cursor text, has_more boolean,
               initial_sync_done boolean, access_token text, pace_ms integer, wait_ms integer)
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
  if not found then
    return;
  end if;
  insert into public.plaid_sync_state as s (item_id, product, user_id)
  select i.id, p_product, i.user_id from public.plaid_items i where i.id = p_item_id
  on conflict (item_id, product) do nothing;
  select * into v_state from public.plaid_sync_state s where s.item_id = p_item_id and s.product = p_product for update;
  if not found or (p_dispatch is not null and p_dispatch is distinct from v_state.dispatch_token) then
    return; -- the item was removed meanwhile, or a stale call: its work was done or sent again
  end if;
  if not private.item_is_syncable(v_status) then
    if p_dispatch is not null then
      update public.plaid_sync_state s set dispatch_token = null, due_at = null
      where s.item_id = p_item_id and s.product = p_product;
      perform private.release_sync_slot(p_item_id, p_product);
    end if;
    return;
  end if;
  if v_state.lease_id is not null and v_state.lease_expires_at > now() then
    update public.plaid_sync_state s set rerun_requested = true,
      dispatch_token = case when p_dispatch is null then s.dispatch_token end
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
      last_started_at = now(), rerun_requested = false,
      dispatch_token = case when p_dispatch is null then s.dispatch_token end,
      -- A direct call's run holds no slot: should it die, the queue takes its item up once the lease
      -- has expired (a dispatched run's slot does that for it). finish_sync clears it.
      due_at = case when p_dispatch is null then coalesce(s.due_at, now()) else s.due_at end
  where s.item_id = p_item_id and s.product = p_product;
  insert into public.sync_runs (user_id, item_id, product, trigger, lease_id)
  values (v_state.user_id, p_item_id, p_product, p_trigger, v_lease)
  returning id into v_run;
  -- The token comes with the lease: one round trip fewer per run (a no-change sync costs three).
  return query select v_lease, v_run, v_state.user_id, v_state.cursor, v_state.loop_start_cursor, v_state.has_more,
    v_state.initial_sync_done, private.read_item_access_token(p_item_id), p.pace_ms, p.wait_ms
  from private.sync_pace(p_item_id, p_product) p;
exception when foreign_key_violation then
  return; -- the item was removed while its first state row was being created: nothing to sync
end
$$;
comment on function private.claim_sync(uuid, text, text, integer, uuid) is
  'Takes the item/product sync lease, opens a sync_runs row and returns the cursor state and access token; no row for a stale call, when a live lease exists (then rerun_requested) or when the item needs the user.';
revoke all on function private.claim_sync(uuid, text, text, integer, uuid) from public, anon, authenticated, service_role;
grant execute on function private.claim_sync(uuid, text, text, integer, uuid) to service_role;

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

-- Ends a run. p_outcome: succeeded | continued (budget used up: a follow-up invocation is dispatched
-- in the run's slot) | failed (p_item_status set for item errors that need the user; otherwise
-- transient, queued again after a backoff) | superseded. A pass requested while this one ran follows
-- in the same slot, min_run_interval after this one started: in this invocation when p_more_passes
-- (the result: the token to claim it with and how long to wait first), else in a follow-up
-- invocation. A run that does not go on hands its slot to the next due item. p_next_call_at: when
-- the run's slot may make its next Plaid call (pacing, pace.ts).
create or replace function private.finish_sync(
  p_item_id uuid, p_product text, p_lease_id uuid, p_run_id uuid, p_outcome text, p_error jsonb, p_item_status text,
  p_more_passes boolean default true, p_next_call_at timestamptz default null
) returns table (next_pass uuid, wait_ms integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_settings record; -- private.sync_settings (62_sync_sweep.sql)
  v_rerun boolean;
  v_next_at timestamptz;
  v_next uuid;
begin
  -- The item's sync state is locked before anything else of the item (its runs, the item itself), as
  -- every writer does: one lock order, no deadlocks with item removal.
  select * into v_state from public.plaid_sync_state s where s.item_id = p_item_id and s.product = p_product for update;
  update public.sync_runs r set outcome = p_outcome, finished_at = greatest(now(), r.started_at),
    error = p_error, error_code = p_error ->> 'error_code'
  where r.id = p_run_id and r.outcome = 'running';
  if v_state.item_id is null or v_state.lease_id is distinct from p_lease_id then
    return; -- superseded (the state belongs to another run now) or the item was removed
  end if;
  select * into v_settings from private.sync_settings;
  v_rerun := v_state.rerun_requested and p_outcome = 'succeeded';
  v_next_at := v_state.last_started_at + v_settings.min_run_interval;
  if v_rerun and p_more_passes then
    v_next := gen_random_uuid(); -- the next pass, on its way within this invocation (in flight)
  end if;
  update public.plaid_sync_state s set
    lease_id = null, lease_expires_at = null, running_since = null, rerun_requested = false,
    last_synced_at = case when p_outcome = 'succeeded' then now() else s.last_synced_at end,
    requested_at = case
      when p_outcome = 'succeeded' and not v_rerun then null
      when p_outcome = 'succeeded' then now()
      else coalesce(s.requested_at, now()) end,
    requested_trigger = case
      when p_outcome = 'succeeded' and not v_rerun then null
      when v_rerun then 'follow_up'
      else s.requested_trigger end,
    attempts = case when p_outcome = 'failed' and p_item_status is null then s.attempts + 1
                    when p_outcome in ('succeeded', 'continued') then 0 else s.attempts end,
    -- Transient failures back off exponentially: 1, 2, 4, ... minutes, at most 6 hours.
    next_attempt_at = case when p_outcome = 'failed' and p_item_status is null
      then now() + least(interval '6 hours', interval '1 minute' * power(2, s.attempts)) else null end,
    due_at = case when p_outcome = 'failed' and p_item_status is null
      then now() + least(interval '6 hours', interval '1 minute' * power(2, s.attempts)) end,
    dispatch_token = coalesce(v_next, s.dispatch_token),
    last_dispatched_at = case when v_next is not null then now() else s.last_dispatched_at end,
    last_error = case when p_outcome = 'failed' then p_error when p_outcome = 'succeeded' then null else s.last_error end,
    last_error_at = case when p_outcome = 'failed' then now() else s.last_error_at end
  where s.item_id = p_item_id and s.product = p_product;
  if p_next_call_at is not null then
    update private.sync_slots sl set next_call_at = greatest(sl.next_call_at, p_next_call_at)
    where sl.item_id = p_item_id and sl.product = p_product;
  end if;
  if p_item_status is not null then
    update public.plaid_items i set status = p_item_status, error = p_error, error_code = p_error ->> 'error_code'
    where i.id = p_item_id;
  elsif p_outcome = 'succeeded' then
    update public.plaid_items i set status = 'healthy', error = null, error_code = null
    where i.id = p_item_id and i.status = 'error';
  end if;
  if p_outcome = 'continued' then
    perform private.dispatch_sync(p_item_id, p_product, 'follow_up');
  elsif v_rerun and v_next is null then
    perform private.dispatch_sync(p_item_id, p_product, 'follow_up', v_next_at);
  elsif v_next is null then
    perform private.release_sync_slot(p_item_id, p_product);
  else
    return query select v_next, greatest(0, ceil(extract(epoch from v_next_at - now()) * 1000))::integer;
  end if;
end
$$;
comment on function private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text, boolean, timestamptz) is
  'Releases the run''s lease and records its outcome (retry backoff, item status, follow-up dispatch, slot hand-on). Returns the token and wait of a pass to run in this invocation, or no row.';
revoke all on function private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text, boolean, timestamptz) from public, anon, authenticated, service_role;
grant execute on function private.finish_sync(uuid, text, uuid, uuid, text, jsonb, text, boolean, timestamptz) to service_role;
