-- Dispatch and the schedule: every call to plaid-sync holds one of max_in_flight slots, whoever asked
-- for it; requests coalesce per item (into the run or call in flight, and min_run_interval apart);
-- requests beyond the cap wait as database state and a finishing run hands its slot to the next due
-- item; private.sweep_syncs frees the slots of lost calls and dead runs and dispatches exactly the
-- work that is due (queued requests, finished backoffs, stale products), never work in flight or
-- items that need the user; pg_cron jobs; retention.
begin;
select plan(51);

-- The jobs ------------------------------------------------------------------------------------------------
select is(
  (select string_agg(format('%s | %s | %s | %s', jobname, schedule, command, active), E'\n' order by jobname)
   from cron.job where jobname like 'nestfolio-%'),
  E'nestfolio-item-lifecycle | * * * * * | select private.sweep_item_lifecycle() | t\n'
  'nestfolio-prune-sync-logs | 17 3 * * * | select private.prune_sync_logs() | t\n'
  'nestfolio-sync-sweep | * * * * * | select private.sweep_syncs() | t',
  'pg_cron runs the sweep every minute and the retention job daily');
select is((select database::text from cron.job where jobname = 'nestfolio-sync-sweep'), 'postgres', 'in the postgres database');
select is((select username::text from cron.job where jobname = 'nestfolio-sync-sweep'), 'postgres', 'as postgres, who owns the functions');
select is((select count(*)::int from private.sync_settings), 1, 'one settings row');
select results_eq($$select stale_after, lost_after, max_in_flight, sweep_batch, min_run_interval from private.sync_settings$$,
  $$values (interval '12 hours', interval '2 minutes', 20, 200, interval '2 seconds')$$, 'default settings');
select is((select count(*)::int from private.sync_slots), 20, 'one dispatch slot per call allowed in flight');

-- Everything already in the database is out of the way: only this file's items are due.
update private.sync_slots set item_id = null, product = null;
update public.plaid_sync_state set requested_at = null, due_at = null, dispatch_token = null, last_synced_at = now(),
  lease_id = null, lease_expires_at = null, last_started_at = null;
update private.sync_settings set max_in_flight = 1000;
select is((select count(*)::int from private.sync_slots), 1000, 'raising max_in_flight adds slots');

select (tests.seed_connected_user('sw_a') ->> 'item_id') as a \gset
select (tests.seed_connected_user('sw_b') ->> 'item_id') as b \gset
update public.plaid_sync_state set last_synced_at = now() where item_id in (:'a', :'b');

create function pg_temp.dispatch_of(p_item uuid) returns bigint language sql as $$
  select last_dispatch_id from public.plaid_sync_state where item_id = p_item and product = 'transactions' $$;
create function pg_temp.body_of(p_request bigint) returns jsonb language sql as $$
  select convert_from(body, 'UTF8')::jsonb from net.http_request_queue where id = p_request $$;
create function pg_temp.set_state(p_item uuid, p_changes text) returns void language plpgsql as $$
begin
  execute format('update public.plaid_sync_state set %s where item_id = %L and product = ''transactions''', p_changes, p_item);
end $$;
create function pg_temp.holds_slot(p_item uuid) returns boolean language sql as $$
  select exists (select 1 from private.sync_slots where item_id = p_item and product = 'transactions') $$;

select is(private.sweep_syncs(), 0, 'nothing due, nothing dispatched');

-- Queued (e.g. Vault was not set when it was requested).
select pg_temp.set_state(:'a', 'requested_at = now() - interval ''10 minutes'', requested_trigger = ''webhook'', due_at = now() - interval ''10 minutes''') as _ \gset
select is(private.sweep_syncs(), 1, 'a queued request is dispatched');
select pg_temp.dispatch_of(:'a') as d1 \gset
select is(pg_temp.body_of(:'d1') - 'dispatch', jsonb_build_object('item_id', :'a', 'product', 'transactions', 'trigger', 'webhook'),
  '… as the request it serves');
select is(pg_temp.body_of(:'d1') ->> 'dispatch', (select dispatch_token::text from public.plaid_sync_state where item_id = :'a' and product = 'transactions'),
  '… carrying the token of the item''s call on its way');
select ok(pg_temp.holds_slot(:'a'), '… in a slot');
select is(private.sweep_syncs(), 0, 'a call in flight (not picked up yet) is not repeated');

-- Coalescing: requests while a call is on its way add nothing.
select is(private.request_sync(:'a', 'transactions', 'webhook'), false, 'a request while a call is on its way is coalesced into it');
select is(pg_temp.dispatch_of(:'a'), :'d1'::bigint, '… no second call');

-- A stale call: a token that is no longer the item's takes nothing.
select is((select count(*)::int from private.claim_sync(:'a', 'transactions', 'cron', 60, gen_random_uuid())), 0,
  'a call carrying another token is stale: no run');

-- Lost: not picked up for longer than lost_after.
select pg_temp.set_state(:'a', 'last_dispatched_at = now() - interval ''3 minutes''') as _ \gset
select is(private.sweep_syncs(), 1, 'a call not picked up for longer than lost_after is made again');
select isnt(pg_temp.dispatch_of(:'a'), :'d1'::bigint, '… as a new pg_net request');
select is((select count(*)::int from private.sync_slots where item_id = :'a'), 1, '… in one slot');

-- The call is picked up: a run holds the lease. In flight while the lease lives.
select c.lease_id as a_lease, c.run_id as a_run from private.claim_sync(:'a', 'transactions', 'cron', 60,
  (select dispatch_token from public.plaid_sync_state where item_id = :'a' and product = 'transactions')) c \gset
select isnt(:'a_lease'::uuid, null::uuid, 'the call with the item''s token takes the lease');
select is(private.request_sync(:'a', 'transactions', 'manual'), false, 'a request while it runs is coalesced');
select is((select rerun_requested from public.plaid_sync_state where item_id = :'a' and product = 'transactions'), true,
  '… into one more pass');
select pg_temp.set_state(:'a', 'last_dispatched_at = now() - interval ''3 minutes''') as _ \gset
select is(private.sweep_syncs(), 0, 'a run holding a live lease is left alone, however old its call');
select pg_temp.set_state(:'a', 'lease_expires_at = now() - interval ''1 second''') as _ \gset
select is(private.sweep_syncs(), 1, 'a run whose lease expired (it died) is replaced');

-- Backoff.
select pg_temp.set_state(:'a', 'lease_id = null, lease_expires_at = null, dispatch_token = null, attempts = 3, next_attempt_at = now() + interval ''5 minutes'', due_at = now() + interval ''5 minutes''') as _ \gset
update private.sync_slots set item_id = null, product = null where item_id = :'a';
select is(private.sweep_syncs(), 0, 'a failed sync waits out its backoff');
select pg_temp.set_state(:'a', 'next_attempt_at = now() - interval ''1 second'', due_at = now() - interval ''1 second''') as _ \gset
select is(private.sweep_syncs(), 1, 'and is retried when it is over');
select is(pg_temp.body_of(pg_temp.dispatch_of(:'a')) ->> 'trigger', 'retry', '… as a retry');

-- Items that need the user are not dispatched, and leave the queue.
select pg_temp.dispatch_of(:'b') as b_before \gset
select pg_temp.set_state(:'b', 'requested_at = now() - interval ''10 minutes'', due_at = now() - interval ''10 minutes''') as _ \gset
update public.plaid_items set status = 'login_required' where id = :'b';
select is(private.sweep_syncs(), 0, 'an item that needs the user is not dispatched');
select is((select due_at from public.plaid_sync_state where item_id = :'b' and product = 'transactions'), null, '… and leaves the queue');
select is(private.request_sync(:'b', 'transactions', 'manual'), false, 'a request for it is recorded, not dispatched');
update public.plaid_items set status = 'healthy' where id = :'b';

-- Stale: not synced for longer than stale_after.
select pg_temp.set_state(:'b', 'requested_at = null, last_synced_at = now() - interval ''11 hours''') as _ \gset
select is(private.sweep_syncs(), 0, 'synced 11 hours ago is not stale');
select pg_temp.set_state(:'b', 'last_synced_at = now() - interval ''13 hours''') as _ \gset
select is(private.sweep_syncs(), 1, 'synced 13 hours ago is synced again');
select isnt((select requested_at from public.plaid_sync_state where item_id = :'b' and product = 'transactions'), null, '… as a request');
select is(pg_temp.body_of(pg_temp.dispatch_of(:'b')) ->> 'trigger', 'cron', '… by the schedule');

-- The cap, for every dispatch.
select count(tests.seed_connected_user('sw_c' || n)) as seeded from generate_series(1, 4) n \gset
create temp table c_items as select i.id from public.plaid_items i where i.plaid_item_id like 'item-sw_c%';
-- a and b are in flight (dispatched, not picked up); allow two more.
update private.sync_settings set max_in_flight = 4;
select is((select count(*)::int from c_items where private.request_sync(id, 'transactions', 'webhook')), 2,
  'requests beyond max_in_flight are not dispatched, whoever makes them');
select is((select count(*)::int from public.plaid_sync_state s join c_items c on c.id = s.item_id
           where s.product = 'transactions' and s.due_at is not null and s.dispatch_token is null), 2,
  '… they wait in the queue');
select is(private.sweep_syncs(), 0, 'the sweep adds none while the slots are taken');

-- A finishing run hands its slot to the next due item.
select c.lease_id as b_lease, c.run_id as b_run from private.claim_sync(:'b', 'transactions', 'cron', 60,
  (select dispatch_token from public.plaid_sync_state where item_id = :'b' and product = 'transactions')) c \gset
select is((select count(*)::int from private.finish_sync(:'b', 'transactions', :'b_lease', :'b_run', 'succeeded', null, null)), 0,
  'a run finishes with nothing more owed');
select is((select count(*)::int from public.plaid_sync_state s join c_items c on c.id = s.item_id
           where s.product = 'transactions' and s.due_at is not null), 1,
  '… and one waiting item is dispatched in its place');
select ok(not pg_temp.holds_slot(:'b'), '… the finished run holds no slot');

-- Coalescing in time: the next run starts no sooner than min_run_interval after the last one started.
update private.sync_settings set max_in_flight = 1000;
select is(private.request_sync(:'b', 'transactions', 'webhook'), true, 'a request right after a run is dispatched');
select cmp_ok((pg_temp.body_of(pg_temp.dispatch_of(:'b')) ->> 'delay_ms')::int, '>', 1000,
  '… for a run that starts min_run_interval after the last one');

-- Pacing to Plaid's per-client limit: a dispatched run learns the least time between its calls and how
-- long its slot still waits; a finishing run leaves its slot's next call time to the slot's next run.
update private.sync_settings set max_in_flight = 20, plaid_calls_per_minute = 1000;
select c.lease_id as p_lease, c.run_id as p_run, c.pace_ms, c.wait_ms from private.claim_sync(:'b', 'transactions', 'webhook', 60,
  (select dispatch_token from public.plaid_sync_state where item_id = :'b' and product = 'transactions')) c \gset
select is(:'pace_ms'::int, ceil(60000.0 * 20 / (0.98 * 1000))::int, 'a dispatched run spaces its Plaid calls by max_in_flight / (98% of the limit)');
select is(:'wait_ms'::int, 0, '… and its slot has no call to wait for yet');
select is((select count(*)::int from private.finish_sync(:'b', 'transactions', :'p_lease', :'p_run', 'succeeded', null, null, false,
  now() + interval '900 milliseconds')), 0, 'the run finishes, its slot''s next call 0.9 s away');
select is((select next_call_at from private.sync_slots where item_id = (select item_id from private.sync_slots
           where next_call_at is not null limit 1) limit 1), now() + interval '900 milliseconds',
  '… which the slot keeps for whoever it is handed to');
select pg_temp.set_state(:'a', 'lease_id = null, lease_expires_at = null, dispatch_token = null, due_at = null') as _ \gset
update private.sync_slots set item_id = null, product = null where item_id = :'a';
update private.sync_slots set item_id = :'a', product = 'transactions' where next_call_at is not null;
select is((select wait_ms from private.sync_pace(:'a', 'transactions')), 900, 'the next run in that slot waits for it');
update private.sync_slots set item_id = null, product = null where item_id = :'a';
select results_eq($$select pace_ms, wait_ms from private.sync_pace('$$ || :'a' || $$', 'transactions')$$, $$values (0, 0)$$,
  'a run holding no slot (a direct call) is not paced');
update private.sync_settings set plaid_calls_per_minute = null;

-- Retention ---------------------------------------------------------------------------------------------
update private.sync_settings set max_in_flight = 20;
insert into public.sync_runs (user_id, item_id, product, trigger, started_at, finished_at, outcome)
select user_id, id, 'transactions', 'cron', now() - interval '100 days' - d * interval '1 day', now() - interval '100 days', 'succeeded'
from public.plaid_items, generate_series(0, 1) d where id = :'a';
delete from public.sync_runs where item_id = :'b';
insert into public.sync_runs (user_id, item_id, product, trigger, started_at, finished_at, outcome)
select user_id, id, 'transactions', 'cron', now() - interval '100 days', now() - interval '100 days', 'succeeded'
from public.plaid_items where id = :'b';
update public.webhook_events set last_received_at = now() - interval '91 days' where item_id = :'a';
select is(private.prune_sync_logs(), '{"http_responses": 0, "webhook_events": 1, "sync_runs": 2}'::jsonb,
  'retention deletes old webhook events and sync runs');
select is((select count(*)::int from public.sync_runs where item_id = :'b'), 1, '… but keeps each product''s latest run');

select ok(not has_function_privilege('authenticated', 'private.sweep_syncs(integer)', 'execute')
  and not has_function_privilege('authenticated', 'private.prune_sync_logs()', 'execute')
  and not has_function_privilege('authenticated', 'private.request_sync(uuid, text, text)', 'execute'),
  'users cannot run the sweep, retention or requests directly');

select * from finish();
rollback;
