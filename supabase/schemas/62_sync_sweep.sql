-- Dispatch: the only way the database calls plaid-sync. A call holds one of max_in_flight slots from
-- the moment it is sent until its run ends, whoever asked for it (a webhook, "Sync now", the exchange,
-- a follow-up, the schedule), so at most max_in_flight syncs are ever in flight. A request that finds
-- no free slot waits as database state (plaid_sync_state.due_at, the queue); a finishing run hands its
-- slot straight to the next due item (private.hand_on_sync_slot). Slots are rows taken with
-- FOR UPDATE SKIP LOCKED, so nothing serializes dispatches: no global lock, no counter row.
--
-- The sweep (pg_cron, every minute) is the safety net and the schedule: it frees the slots of calls
-- that were lost (not picked up within lost_after) and of runs that died (lease expired), puts their
-- requests back in the queue, and fills free slots with due work: queued requests first (webhooks,
-- "Sync now", retries whose backoff is over, deferred follow-ups), then products not synced for longer
-- than stale_after. Retention keeps the logs bounded. The pg_cron jobs and the settings row are data,
-- written by a migration (supabase/migrations), not declared here.

create table private.sync_settings (
  id boolean primary key default true check (id),
  -- A product not synced for this long is synced again (the schedule; webhooks usually come first).
  stale_after interval not null default interval '12 hours' check (stale_after > interval '0'),
  -- A plaid-sync call not picked up after this long is presumed lost (its slot is freed, its request queued).
  lost_after interval not null default interval '2 minutes' check (lost_after > interval '0'),
  -- plaid-sync calls in flight at once (calls not picked up yet + runs holding a lease), however dispatched.
  max_in_flight integer not null default 20 check (max_in_flight > 0),
  -- Most calls one sweep makes.
  sweep_batch integer not null default 200 check (sweep_batch > 0),
  -- A new run of an item and product starts no sooner than this after the previous one started:
  -- requests meanwhile (a burst of webhooks, repeated "Sync now") become one run when it is over.
  min_run_interval interval not null default interval '2 seconds' check (min_run_interval >= interval '0'),
  -- Plaid's per-client limit of /transactions/sync calls a minute (2,500 in Production, 1,000 in
  -- Sandbox; null: no pacing): dispatched runs pace their Plaid calls to 98% of it, each slot making
  -- at most one call per max_in_flight / (0.98 × this) minutes.
  plaid_calls_per_minute integer check (plaid_calls_per_minute > 0),
  webhook_events_retention interval not null default interval '90 days',
  sync_runs_retention interval not null default interval '90 days',
  http_responses_retention interval not null default interval '6 hours'
);
comment on table private.sync_settings is
  'One row: dispatch, schedule and retention settings (README § Configuration). Change with an update as postgres.';
revoke all on table private.sync_settings from public, anon, authenticated, service_role;

-- One row per dispatch slot, 1..max_in_flight; the holder is the item and product whose call or run
-- uses it. Slots above a lowered max_in_flight are not taken again.
create table private.sync_slots (
  slot integer primary key check (slot > 0),
  item_id uuid,
  product text,
  -- Pacing (plaid_calls_per_minute): when this slot's next Plaid call may start.
  next_call_at timestamptz,
  constraint sync_slots_holder_complete check ((item_id is null) = (product is null)),
  -- An item and product holds at most one slot; a removed item's slot is free at once.
  constraint sync_slots_item_id_product_key unique (item_id, product),
  constraint sync_slots_holder_fkey foreign key (item_id, product)
    references public.plaid_sync_state (item_id, product) on delete set null
);
comment on table private.sync_slots is
  'Dispatch slots (max_in_flight rows): the item and product whose plaid-sync call or run holds each.';
revoke all on table private.sync_slots from public, anon, authenticated, service_role;

-- The slots follow the setting.
create or replace function private.create_sync_slots()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  insert into private.sync_slots (slot)
  select n from pg_catalog.generate_series(1, new.max_in_flight) n
  on conflict (slot) do nothing;
  return null;
end
$$;
revoke all on function private.create_sync_slots() from public, anon, authenticated, service_role;

create trigger sync_settings_create_sync_slots
  after insert or update of max_in_flight on private.sync_settings
  for each row execute function private.create_sync_slots();

-- Pacing of a dispatched run (one holding a slot): the least time between its Plaid calls and how
-- long until its slot's next call may start, in ms; (0, 0) without pacing or without a slot.
create or replace function private.sync_pace(p_item_id uuid, p_product text)
returns table (pace_ms integer, wait_ms integer)
language sql
stable
security definer
set search_path = ''
as $$
  select case when sl.slot is null or st.plaid_calls_per_minute is null then 0
              else ceil(60000.0 * st.max_in_flight / (0.98 * st.plaid_calls_per_minute))::integer end,
         case when sl.slot is null or st.plaid_calls_per_minute is null then 0
              else coalesce(greatest(0, ceil(extract(epoch from sl.next_call_at - now()) * 1000))::integer, 0) end
  from private.sync_settings st
  left join private.sync_slots sl on sl.item_id = p_item_id and sl.product = p_product
$$;
revoke all on function private.sync_pace(uuid, text) from public, anon, authenticated, service_role;

-- In flight: a run holds a live lease, or a call went out and plaid-sync has not picked it up yet
-- (within lost_after; a call answered with a failure counts until then too).
create or replace function private.sync_in_flight(p_state public.plaid_sync_state, p_lost_after interval)
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(p_state.lease_id is not null and p_state.lease_expires_at > now(), false)
      or coalesce(p_state.dispatch_token is not null and p_state.last_dispatched_at > now() - p_lost_after, false)
$$;
revoke all on function private.sync_in_flight(public.plaid_sync_state, interval) from public, anon, authenticated, service_role;

-- Sends plaid-sync for an item and product in slot p_slot (pg_net, after commit) and records the call:
-- its token (in the body; plaid-sync's claim with another token is stale), id and time. A call for a
-- run that may start only at p_not_before (min_run_interval) carries the delay: plaid-sync answers at
-- once and starts the run then, in the slot. Returns the pg_net request id, or null when Vault lacks
-- the project URL or key (then the request stays queued).
create or replace function private.send_sync(p_slot integer, p_item_id uuid, p_product text, p_trigger text,
                                             p_not_before timestamptz default null)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_token uuid := gen_random_uuid();
  -- Sent after commit (nothing is sent if the caller rolls back). plaid-sync answers 202 at once.
  v_request bigint := private.call_edge_function('plaid-sync',
    jsonb_build_object('item_id', p_item_id, 'product', p_product, 'trigger', p_trigger, 'dispatch', v_token)
    || case when p_not_before > now()
         then jsonb_build_object('delay_ms', ceil(extract(epoch from p_not_before - now()) * 1000)::integer)
         else '{}'::jsonb end);
begin
  if v_request is null then
    update public.plaid_sync_state s set due_at = coalesce(s.due_at, now())
    where s.item_id = p_item_id and s.product = p_product;
    return null;
  end if;
  update private.sync_slots sl set item_id = p_item_id, product = p_product where sl.slot = p_slot;
  update public.plaid_sync_state s
  set dispatch_token = v_token, last_dispatch_id = v_request, last_dispatched_at = now(), due_at = null
  where s.item_id = p_item_id and s.product = p_product;
  return v_request;
end
$$;
revoke all on function private.send_sync(integer, uuid, text, text, timestamptz) from public, anon, authenticated, service_role;

-- Dispatches plaid-sync for an item and product within max_in_flight: in the slot it holds, else in a
-- free one; with none free, the request waits in the queue (due_at) for a finishing run's slot.
-- p_not_before: the run may not start before then (min_run_interval). Returns the pg_net request
-- id, or null when it waits. The caller holds the item's state row.
create or replace function private.dispatch_sync(p_item_id uuid, p_product text, p_trigger text,
                                                 p_not_before timestamptz default null)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_slot integer;
  v_request bigint;
begin
  select sl.slot into v_slot from private.sync_slots sl where sl.item_id = p_item_id and sl.product = p_product for update;
  if v_slot is null then
    select sl.slot into v_slot from private.sync_slots sl
    where sl.item_id is null and sl.slot <= (select st.max_in_flight from private.sync_settings st)
    order by sl.slot limit 1
    for update skip locked;
  end if;
  if v_slot is not null then
    v_request := private.send_sync(v_slot, p_item_id, p_product, p_trigger, p_not_before);
  end if;
  if v_request is null then
    update public.plaid_sync_state s
    set due_at = least(coalesce(s.due_at, greatest(now(), p_not_before)), greatest(now(), p_not_before))
    where s.item_id = p_item_id and s.product = p_product;
  end if;
  return v_request;
end
$$;
comment on function private.dispatch_sync(uuid, text, text, timestamptz) is
  'Calls plaid-sync for one item and product through pg_net (after commit) within max_in_flight; with no free slot the request waits in the queue. Returns the pg_net request id or null.';
revoke all on function private.dispatch_sync(uuid, text, text, timestamptz) from public, anon, authenticated, service_role;
grant execute on function private.dispatch_sync(uuid, text, text, timestamptz) to service_role;

-- The next due work, its state row locked (SKIP LOCKED: rows other transactions hold are someone
-- else's to dispatch): the oldest queued request, else the product not synced for longest once older
-- than stale_after (then recorded as the schedule's request). Items that need the user, work in
-- flight and items holding a slot are not due.
create or replace function private.next_due_sync(p_settings private.sync_settings)
returns table (item_id uuid, product text, trigger text)
language plpgsql
security definer
set search_path = ''
as $$
begin
  return query
    select s.item_id, s.product, case when s.attempts > 0 then 'retry' else coalesce(s.requested_trigger, 'cron') end
    from public.plaid_sync_state s
    join public.plaid_items i on i.id = s.item_id and private.item_is_syncable(i.status)
    where s.due_at <= now()
      and not private.sync_in_flight(s, p_settings.lost_after)
      and not exists (select 1 from private.sync_slots sl where sl.item_id = s.item_id and sl.product = s.product)
    order by s.due_at
    limit 1
    for update of s skip locked;
  if found then
    return;
  end if;
  return query
    update public.plaid_sync_state u set requested_at = now(), requested_trigger = 'cron'
    from (
      select s.item_id, s.product
      from public.plaid_sync_state s
      join public.plaid_items i on i.id = s.item_id and private.item_is_syncable(i.status)
      where s.requested_at is null
        and (s.last_synced_at is null or s.last_synced_at < now() - p_settings.stale_after)
        and not private.sync_in_flight(s, p_settings.lost_after)
        and not exists (select 1 from private.sync_slots sl where sl.item_id = s.item_id and sl.product = s.product)
      order by s.last_synced_at nulls first
      limit 1
      for update of s skip locked
    ) stale
    where u.item_id = stale.item_id and u.product = stale.product
    returning u.item_id, u.product, 'cron'::text;
end
$$;
revoke all on function private.next_due_sync(private.sync_settings) from public, anon, authenticated, service_role;

-- Gives slot p_slot (locked by the caller) to the next due work, or frees it. True when dispatched.
create or replace function private.hand_on_sync_slot(p_slot integer, p_settings private.sync_settings)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_next record;
begin
  update private.sync_slots sl set item_id = null, product = null where sl.slot = p_slot and sl.item_id is not null;
  if p_slot > p_settings.max_in_flight then
    return false; -- the setting was lowered: this slot retires
  end if;
  for v_next in select * from private.next_due_sync(p_settings) loop
    return private.send_sync(p_slot, v_next.item_id, v_next.product, v_next.trigger) is not null;
  end loop;
  return false;
end
$$;
revoke all on function private.hand_on_sync_slot(integer, private.sync_settings) from public, anon, authenticated, service_role;

-- A run ended (or its call found nothing to do): its slot goes to the next due item, unless a call
-- for this item and product is still in flight (it keeps the slot for that call's run).
create or replace function private.release_sync_slot(p_item_id uuid, p_product text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settings private.sync_settings;
  v_slot integer;
begin
  select * into v_settings from private.sync_settings;
  select sl.slot into v_slot from private.sync_slots sl
  where sl.item_id = p_item_id and sl.product = p_product
    and not exists (select 1 from public.plaid_sync_state s
                    where s.item_id = p_item_id and s.product = p_product
                      and s.dispatch_token is not null and s.last_dispatched_at > now() - v_settings.lost_after)
  for update of sl;
  if v_slot is not null then
    perform private.hand_on_sync_slot(v_slot, v_settings);
  end if;
end
$$;
revoke all on function private.release_sync_slot(uuid, text) from public, anon, authenticated, service_role;

-- The schedule (pg_cron, every minute). Frees the slots of lost calls and dead runs (their requests
-- go back in the queue), takes queued items that now need the user out of the queue (a repair
-- requests them again), and fills free slots with due work, at most p_limit (default sweep_batch).
-- Never waits for a row another transaction holds. Returns the number of calls made.
create or replace function private.sweep_syncs(p_limit integer default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settings private.sync_settings;
  v_limit integer;
  v_dispatched integer := 0;
  v_row record;
begin
  select * into v_settings from private.sync_settings;
  v_limit := least(v_settings.sweep_batch, coalesce(p_limit, v_settings.sweep_batch));

  for v_row in
    select sl.slot, s.item_id, s.product
    from private.sync_slots sl
    join public.plaid_sync_state s on s.item_id = sl.item_id and s.product = sl.product
    where not private.sync_in_flight(s, v_settings.lost_after)
    for update of sl, s skip locked
  loop
    update public.plaid_sync_state s set due_at = coalesce(s.due_at, now())
    where s.item_id = v_row.item_id and s.product = v_row.product and s.requested_at is not null;
    update private.sync_slots sl set item_id = null, product = null where sl.slot = v_row.slot;
  end loop;

  update public.plaid_sync_state u set due_at = null
  from (select s.item_id, s.product from public.plaid_sync_state s
        join public.plaid_items i on i.id = s.item_id and not private.item_is_syncable(i.status)
        where s.due_at is not null
        for update of s skip locked) parked
  where u.item_id = parked.item_id and u.product = parked.product;

  for v_row in
    select sl.slot from private.sync_slots sl
    where sl.item_id is null and sl.slot <= v_settings.max_in_flight
    order by sl.slot
    for update skip locked
  loop
    exit when v_dispatched >= v_limit;
    exit when not private.hand_on_sync_slot(v_row.slot, v_settings);
    v_dispatched := v_dispatched + 1;
  end loop;
  return v_dispatched;
end
$$;
comment on function private.sweep_syncs(integer) is
  'Frees the slots of lost calls and dead runs and dispatches queued requests, then stale products, into free slots (within max_in_flight). pg_cron runs it every minute.';
revoke all on function private.sweep_syncs(integer) from public, anon, authenticated, service_role;
grant execute on function private.sweep_syncs(integer) to service_role;

-- Retention: pg_net keeps responses 6 h itself on the platform; webhook log and sync runs are kept
-- for the configured time, except each item/product's latest run (the UI's "last sync").
create or replace function private.prune_sync_logs()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settings private.sync_settings;
  v_responses integer;
  v_events integer;
  v_runs integer;
begin
  select * into v_settings from private.sync_settings;
  delete from net._http_response r where r.created < now() - v_settings.http_responses_retention;
  get diagnostics v_responses = row_count;
  delete from public.webhook_events e where e.last_received_at < now() - v_settings.webhook_events_retention;
  get diagnostics v_events = row_count;
  delete from public.sync_runs r
  where r.started_at < now() - v_settings.sync_runs_retention and r.outcome <> 'running'
    and r.id <> (select l.id from public.sync_runs l where l.item_id = r.item_id and l.product = r.product
                 order by l.started_at desc limit 1);
  get diagnostics v_runs = row_count;
  return jsonb_build_object('http_responses', v_responses, 'webhook_events', v_events, 'sync_runs', v_runs);
end
$$;
comment on function private.prune_sync_logs() is
  'Deletes pg_net responses, webhook events and sync runs older than their retention (private.sync_settings).';
revoke all on function private.prune_sync_logs() from public, anon, authenticated, service_role;
grant execute on function private.prune_sync_logs() to service_role;
