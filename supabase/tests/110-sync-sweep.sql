-- The schedule: pg_cron jobs, and private.sweep_syncs dispatching exactly the work that is due (lost
-- calls, failed calls, crashed runs, finished backoffs, stale products) within max_in_flight, never
-- work in flight or items that need the user; finishing runs hand their slot on; retention.
begin;
select plan(29);

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
select results_eq($$select stale_after, lost_after, max_in_flight, sweep_batch from private.sync_settings$$,
  $$values (interval '12 hours', interval '2 minutes', 20, 200)$$, 'default settings');

-- Everything already in the database is out of the way: only this file's items are due.
update public.plaid_sync_state set requested_at = null, last_synced_at = now(), lease_id = null, lease_expires_at = null;
update private.sync_settings set max_in_flight = 1000;

select (tests.seed_connected_user('sw_a') ->> 'item_id') as a \gset
select (tests.seed_connected_user('sw_b') ->> 'item_id') as b \gset
update public.plaid_sync_state set last_synced_at = now() where item_id in (:'a', :'b');

create function pg_temp.dispatch_of(p_item uuid) returns bigint language sql as $$
  select last_dispatch_id from public.plaid_sync_state where item_id = p_item and product = 'transactions' $$;
create function pg_temp.trigger_of(p_request bigint) returns text language sql as $$
  select convert_from(body, 'UTF8')::jsonb ->> 'trigger' from net.http_request_queue where id = p_request $$;
create function pg_temp.set_state(p_item uuid, p_changes text) returns void language plpgsql as $$
begin
  execute format('update public.plaid_sync_state set %s where item_id = %L and product = ''transactions''', p_changes, p_item);
end $$;

select is(private.sweep_syncs(), 0, 'nothing due, nothing dispatched');

-- Requested, never dispatched (e.g. Vault was not set yet).
select pg_temp.set_state(:'a', 'requested_at = now() - interval ''10 minutes''') as _ \gset
select is(private.sweep_syncs(), 1, 'a request never dispatched is dispatched');
select pg_temp.dispatch_of(:'a') as d1 \gset
select is(pg_temp.trigger_of(:'d1'), 'cron', '… by the schedule');
select is(private.sweep_syncs(), 0, 'a call in flight (no answer yet) is not repeated');

-- Lost: no answer for longer than lost_after.
select pg_temp.set_state(:'a', 'last_dispatched_at = now() - interval ''3 minutes''') as _ \gset
select is(private.sweep_syncs(), 1, 'a call unanswered for longer than lost_after is made again');
select isnt(pg_temp.dispatch_of(:'a'), :'d1'::bigint, '… as a new pg_net request');

-- A run took the lease: in flight while the lease lives, whatever became of the call.
-- (Calls answered with a failure are covered in tests/webhooks/self-healing.test.ts: only pg_net
-- itself writes net._http_response.)
select pg_temp.set_state(:'a', 'lease_id = gen_random_uuid(), lease_expires_at = now() + interval ''1 minute'', last_dispatched_at = now() - interval ''3 minutes''') as _ \gset
select is(private.sweep_syncs(), 0, 'a run holding a live lease is left alone');
select pg_temp.set_state(:'a', 'lease_expires_at = now() - interval ''1 second''') as _ \gset
select is(private.sweep_syncs(), 1, 'a run whose lease expired (crashed) is replaced');

-- Backoff.
select pg_temp.set_state(:'a', 'lease_id = null, lease_expires_at = null, last_dispatched_at = now() - interval ''3 minutes'', attempts = 3, next_attempt_at = now() + interval ''5 minutes''') as _ \gset
select is(private.sweep_syncs(), 0, 'a failed sync waits out its backoff');
select pg_temp.set_state(:'a', 'next_attempt_at = now() - interval ''1 second''') as _ \gset
select is(private.sweep_syncs(), 1, 'and is retried when it is over');
select is(pg_temp.trigger_of(pg_temp.dispatch_of(:'a')), 'retry', '… as a retry');

-- Items that need the user are not retried.
select pg_temp.dispatch_of(:'b') as b_before \gset
select pg_temp.set_state(:'b', 'requested_at = now() - interval ''10 minutes''') as _ \gset
update public.plaid_items set status = 'login_required' where id = :'b';
select is(private.sweep_syncs(), 0, 'an item that needs the user is not dispatched');
update public.plaid_items set status = 'healthy' where id = :'b';

-- Stale: not synced for longer than stale_after.
select pg_temp.set_state(:'b', 'requested_at = null, last_synced_at = now() - interval ''11 hours''') as _ \gset
select is(private.sweep_syncs(), 0, 'synced 11 hours ago is not stale');
select pg_temp.set_state(:'b', 'last_synced_at = now() - interval ''13 hours''') as _ \gset
select is(private.sweep_syncs(), 1, 'synced 13 hours ago is synced again');
select isnt((select requested_at from public.plaid_sync_state where item_id = :'b' and product = 'transactions'), null, '… as a request');
select is(pg_temp.trigger_of(pg_temp.dispatch_of(:'b')), 'cron', '… by the schedule');

-- The cap on calls in flight.
select count(tests.seed_connected_user('sw_c' || n)) as seeded from generate_series(1, 4) n \gset
update public.plaid_sync_state s set requested_at = now() - interval '1 minute'
from public.plaid_items i where i.id = s.item_id and i.plaid_item_id like 'item-sw_c%' and s.product = 'transactions';
-- a and b are in flight (dispatched, unanswered); allow two more.
update private.sync_settings set max_in_flight = 4;
select is(private.sweep_syncs(), 2, 'at most max_in_flight calls are in flight');
select is(private.sweep_syncs(), 0, 'none more while they are');

-- A finishing run hands its slot to the next due item.
select pg_temp.set_state(:'b', 'requested_at = null, last_dispatched_at = now() - interval ''10 minutes''') as _ \gset
select c.lease_id, c.run_id from private.claim_sync(:'b', 'transactions', 'manual', 60) c \gset
select is((select count(*)::int from public.plaid_sync_state s join public.plaid_items i on i.id = s.item_id
           where i.plaid_item_id like 'item-sw_c%' and s.product = 'transactions' and s.last_dispatch_id is null), 2,
  'two items still wait for a slot');
select is(private.finish_sync(:'b', 'transactions', :'lease_id', :'run_id', 'succeeded', null, null), false, 'a run finishes');
select is((select count(*)::int from public.plaid_sync_state s join public.plaid_items i on i.id = s.item_id
           where i.plaid_item_id like 'item-sw_c%' and s.product = 'transactions' and s.last_dispatch_id is null), 1,
  '… and one waiting item is dispatched in its place');

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
  and not has_function_privilege('authenticated', 'private.prune_sync_logs()', 'execute'), 'users cannot run the sweep or retention');

select * from finish();
rollback;
