-- private.handle_plaid_webhook: every verified webhook recorded once (by body hash) and acted on:
-- sync requests, status checks for ITEM ERROR / LOGIN_REPAIRED (the truth comes from /item/get, applied
-- by private.apply_item_status unless newer truth was recorded), final and timed statuses, flags;
-- unknown codes and items recorded and ignored; a malformed call records nothing. Users cannot call any of it.
begin;
select plan(60);

select tests.seed_connected_user('wh_a') as a \gset
select (:'a'::jsonb ->> 'item_id') as item, (:'a'::jsonb ->> 'plaid_item_id') as plaid_item \gset

-- A webhook as Plaid sends it (the hash is over the exact text), handled as plaid-webhook does.
create function pg_temp.deliver(p_type text, p_code text, p_item text, p_extra jsonb default '{}')
returns jsonb language sql as $$
  select private.handle_plaid_webhook(encode(sha256(convert_to(b::text, 'UTF8')), 'hex'), b)
  from (select jsonb_build_object('webhook_type', p_type, 'webhook_code', p_code, 'item_id', p_item,
                                  'environment', 'sandbox') || p_extra as b) x
$$;
create function pg_temp.item_status(p_item uuid) returns text language sql as $$
  select status from public.plaid_items where id = p_item $$;
create function pg_temp.events(p_item text, p_code text) returns int language sql as $$
  select count(*)::int from public.webhook_events where plaid_item_id = p_item and webhook_code = p_code $$;
create function pg_temp.dispatch_of(p_item uuid, p_product text) returns bigint language sql as $$
  select last_dispatch_id from public.plaid_sync_state where item_id = p_item and product = p_product $$;

-- SYNC_UPDATES_AVAILABLE ---------------------------------------------------------------------------------
select pg_temp.deliver('TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', :'plaid_item',
  '{"initial_update_complete": true, "historical_update_complete": true}') as r1 \gset
select is(:'r1'::jsonb ->> 'outcome', 'processed', 'SYNC_UPDATES_AVAILABLE is processed');
select is(:'r1'::jsonb ->> 'action', 'sync_transactions', '… as a transactions sync request');
select is((select count(*)::int from public.webhook_events where id = (:'r1'::jsonb ->> 'event_id')::uuid
           and item_id = :'item' and user_id = (:'a'::jsonb ->> 'user_id')::uuid and outcome = 'processed' and processed_at is not null),
  1, 'recorded with its item and owner');
select isnt((select requested_at from public.plaid_sync_state where item_id = :'item' and product = 'transactions'), null,
  'the transactions sync is requested');
select pg_temp.dispatch_of(:'item', 'transactions') as first_dispatch \gset
select isnt(:'first_dispatch'::bigint, null, 'and plaid-sync is called over pg_net');
select is((select convert_from(body, 'UTF8')::jsonb - 'dispatch' from net.http_request_queue where id = :'first_dispatch'),
  jsonb_build_object('item_id', :'item', 'product', 'transactions', 'trigger', 'webhook'), 'with trigger webhook');

select pg_temp.deliver('TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', :'plaid_item',
  '{"initial_update_complete": true, "historical_update_complete": true}') as r2 \gset
select is(:'r2'::jsonb ->> 'event_id', :'r1'::jsonb ->> 'event_id', 'the same body again is the same event');
select is((:'r2'::jsonb ->> 'delivery_count')::int, 2, 'with delivery_count 2');
select is(pg_temp.events(:'plaid_item', 'SYNC_UPDATES_AVAILABLE'), 1 + 1, 'one row for it (plus the seed''s own)');
select is((select requested_at is not null and dispatch_token is not null from public.plaid_sync_state
            where item_id = :'item' and product = 'transactions') and pg_temp.dispatch_of(:'item', 'transactions') = :'first_dispatch'::bigint,
  true, 'a repeated SYNC_UPDATES_AVAILABLE still requests a sync (Plaid repeats identical bodies for new data), coalesced into the call on its way');

-- Product updates ---------------------------------------------------------------------------------------
select is(pg_temp.deliver('HOLDINGS', 'DEFAULT_UPDATE', :'plaid_item', '{"new_holdings": 1, "updated_holdings": 0}') ->> 'action',
  'sync_investments', 'HOLDINGS DEFAULT_UPDATE requests an investments sync');
select isnt(pg_temp.dispatch_of(:'item', 'investments'), null, '… dispatched');
select is(pg_temp.deliver('INVESTMENTS_TRANSACTIONS', 'DEFAULT_UPDATE', :'plaid_item',
  '{"new_investments_transactions": 2, "cancelled_investments_transactions": 0}') ->> 'action', 'sync_investments',
  'INVESTMENTS_TRANSACTIONS DEFAULT_UPDATE requests an investments sync');
select is(pg_temp.deliver('LIABILITIES', 'DEFAULT_UPDATE', :'plaid_item',
  '{"account_ids_with_new_liabilities": [], "account_ids_with_updated_liabilities": {}}') ->> 'action', 'sync_liabilities',
  'LIABILITIES DEFAULT_UPDATE requests a liabilities sync');
select isnt((select requested_at from public.plaid_sync_state where item_id = :'item' and product = 'liabilities'), null,
  '… creating the liabilities sync state it needs');

-- Item status: ERROR and LOGIN_REPAIRED are hints, /item/get is the truth ------------------------------------
create function pg_temp.check_of(p_item uuid) returns private.item_status_checks language sql as $$
  select * from private.item_status_checks where item_id = p_item $$;
select pg_temp.deliver('ITEM', 'ERROR', :'plaid_item',
  '{"error": {"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED", "display_message": "Log in again", "status": 400}}') as err \gset
select is(:'err'::jsonb ->> 'action', 'status_check', 'ITEM ERROR asks for a status check');
select is(pg_temp.item_status(:'item'), 'healthy', '… and changes nothing by itself (its body cannot tell a new error from an old one)');
select isnt((pg_temp.check_of(:'item')).requested_at, null, '… the check is wanted');
select is((select convert_from(body, 'UTF8')::jsonb from net.http_request_queue where id = (select max(id) from net.http_request_queue)),
  jsonb_build_object('item_id', :'item'), '… and plaid-item-status is called over pg_net');
select (select max(id) from net.http_request_queue) as check_call \gset
select is(pg_temp.deliver('ITEM', 'LOGIN_REPAIRED', :'plaid_item') ->> 'action', 'status_check', 'LOGIN_REPAIRED asks for one too');
select is((select max(id) from net.http_request_queue), :'check_call'::bigint, '… coalesced with the call on its way (no second call)');

-- plaid-item-status's half: the claim waits for the item's /item/get slot, the result is Plaid's truth.
select * from private.claim_item_status_check(:'item', 60) as c \gset c_
select is(:'c_wait_ms'::int, 0, 'the first check may call /item/get at once');
select isnt(:'c_access_token'::text, null::text, '… and gets the token');
select is(private.request_item_status_check(:'item'), false, 'a request while it runs is not dispatched …');
select is((pg_temp.check_of(:'item')).rerun, true, '… but makes one more check after it');
select is(private.finish_item_status_check(:'item', :'c_lease_id', now(),
  '{"item_id": "x", "error": {"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED", "error_message": "m", "display_message": "Log in again"}}',
  null, 'login_required'), 'login_required', 'Plaid says ITEM_LOGIN_REQUIRED: login_required');
select is((select error_code from public.plaid_items where id = :'item'), 'ITEM_LOGIN_REQUIRED', '… with the error recorded');
select is((select action_needed from public.item_overview where id = :'item'), 'reconnect', '… so the read model asks to reconnect');
select * from private.claim_item_status_check(:'item', 60) as c \gset c2_
select cmp_ok(:'c2_wait_ms'::int, '>', 3000, 'the check owed next waits for its slot (one /item/get per item every 5 s)');
select is(private.finish_item_status_check(:'item', :'c2_lease_id', now() - interval '1 hour', '{"item_id": "x", "error": null}', null, null),
  'login_required', 'a result observed before the status was last set is older news: not applied');
update private.item_status_checks set requested_at = now(), last_call_at = null where item_id = :'item';
select * from private.claim_item_status_check(:'item', 60) as c \gset c3_
select is(private.finish_item_status_check(:'item', :'c3_lease_id', now(), '{"item_id": "x", "error": null}', null, null),
  'healthy', 'Plaid shows no error: healthy');
select is((select error from public.plaid_items where id = :'item'), null, '… its error cleared');
select is((select count(*)::int from public.plaid_sync_state where item_id = :'item' and requested_at is null), 0,
  '… and a sync of every product requested');
update private.item_status_checks set requested_at = now(), last_call_at = null where item_id = :'item';
select * from private.claim_item_status_check(:'item', 60) as c \gset c4_
select is(private.finish_item_status_check(:'item', :'c4_lease_id', now(), null, '{"error_code": "INTERNAL_SERVER_ERROR"}', null),
  null::text, 'a failed /item/get changes no status');
select ok((pg_temp.check_of(:'item')).next_attempt_at > now() and (pg_temp.check_of(:'item')).requested_at is not null,
  '… and is retried with backoff');

update public.plaid_items set status = 'login_required' where id = :'item';
select pg_temp.deliver('ITEM', 'PENDING_EXPIRATION', :'plaid_item', '{"consent_expiration_time": "2027-01-15T10:00:00Z"}') as _ \gset
select is(pg_temp.item_status(:'item'), 'login_required', 'PENDING_EXPIRATION does not hide a login that is already required');
select is((select consent_expires_at from public.plaid_items where id = :'item'), '2027-01-15T10:00:00Z'::timestamptz,
  '… but records the consent expiry');
update public.plaid_items set status = 'healthy' where id = :'item';
select pg_temp.deliver('ITEM', 'PENDING_EXPIRATION', :'plaid_item', '{"consent_expiration_time": "2027-02-01T00:00:00Z"}') as _ \gset
select is(pg_temp.item_status(:'item'), 'pending_expiration', 'PENDING_EXPIRATION on a healthy item: pending_expiration');
select pg_temp.deliver('ITEM', 'PENDING_DISCONNECT', :'plaid_item',
  '{"reason": "INSTITUTION_TOKEN_EXPIRATION", "disconnect_time": "2027-03-01T00:00:00Z"}') as _ \gset
select is(pg_temp.item_status(:'item'), 'pending_disconnect', 'PENDING_DISCONNECT: pending_disconnect');
select is((select consent_expires_at from public.plaid_items where id = :'item'), '2027-03-01T00:00:00Z'::timestamptz,
  '… with the disconnect time');

select pg_temp.deliver('ITEM', 'NEW_ACCOUNTS_AVAILABLE', :'plaid_item') as _ \gset
select is((select new_accounts_available from public.plaid_items where id = :'item'), true, 'NEW_ACCOUNTS_AVAILABLE flags the item');

select pg_temp.deliver('ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', :'plaid_item', '{"new_webhook_url": "https://example.com/hook", "error": null}') as _ \gset
select is((select webhook_url from public.plaid_items where id = :'item'), 'https://example.com/hook',
  'WEBHOOK_UPDATE_ACKNOWLEDGED records the new URL');

select pg_temp.deliver('ITEM', 'USER_PERMISSION_REVOKED', :'plaid_item', '{"error": null}') as _ \gset
select is(pg_temp.item_status(:'item'), 'revoked', 'USER_PERMISSION_REVOKED (its error may be null): revoked');
select is((select action_needed from public.item_overview where id = :'item'), 'reconnect_required_revoked', '… shown as such');
update public.plaid_items set status = 'healthy', error = null, error_code = null where id = :'item';
select pg_temp.deliver('ITEM', 'USER_ACCOUNT_REVOKED', :'plaid_item', '{"account_id": "acc-x"}') as _ \gset
select is(pg_temp.item_status(:'item'), 'revoked', 'USER_ACCOUNT_REVOKED: revoked');
select is((select error_code from public.plaid_items where id = :'item'), 'USER_ACCOUNT_REVOKED', '… with the code as its error');
update public.plaid_items set status = 'healthy', error = null, error_code = null where id = :'item';
select lives_ok(format($$select pg_temp.deliver('ITEM', 'USER_PERMISSION_REVOKED', %L, '{"error": "revoked by the user"}')$$, :'plaid_item'),
  'a revocation whose error is a string (not Plaid''s error object) is still applied, not a failure');
select results_eq(format($$select status, error_code, error ->> 'error_code' from public.plaid_items where id = %L$$, :'item'),
  $$values ('revoked'::text, 'USER_PERMISSION_REVOKED'::text, 'USER_PERMISSION_REVOKED'::text)$$,
  '… revoked, with the code as its error');

-- Recorded, not acted on ---------------------------------------------------------------------------------
select is(pg_temp.deliver('TRANSACTIONS', 'DEFAULT_UPDATE', :'plaid_item', '{"new_transactions": 3}') ->> 'outcome', 'ignored',
  'legacy TRANSACTIONS codes are recorded and ignored (SYNC_UPDATES_AVAILABLE covers them)');
select is(pg_temp.deliver('ITEM', 'SOMETHING_NEW', :'plaid_item') ->> 'outcome', 'ignored', 'an unknown code is recorded and ignored');
select is(pg_temp.events(:'plaid_item', 'SOMETHING_NEW'), 1, '… once');
select pg_temp.deliver('TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', 'item-nobody-knows') as stray \gset
select is(:'stray'::jsonb ->> 'action', 'unknown_item', 'a webhook for an unknown item is recorded and ignored');
select is(:'stray'::jsonb ->> 'first_for_item', 'true', '… the first for that Item (plaid-webhook logs it)');
select is(pg_temp.deliver('TRANSACTIONS', 'DEFAULT_UPDATE', 'item-nobody-knows', '{"new_transactions": 1}') ->> 'first_for_item', 'false',
  '… a later one is not (logged once)');
select is((select item_id from public.webhook_events where id = (:'stray'::jsonb ->> 'event_id')::uuid), null, '… without an item');
select throws_ok($$select private.handle_plaid_webhook(repeat('a', 64), '{"item_id": "x"}')$$, '22023', null,
  'a body without webhook_type/webhook_code is refused');
select is((select count(*)::int from public.webhook_events where body_sha256 = repeat('a', 64)), 0, '… and nothing is recorded');

-- Privileges --------------------------------------------------------------------------------------------
select ok(not has_function_privilege('authenticated', 'private.handle_plaid_webhook(text, jsonb)', 'execute')
  and not has_function_privilege('anon', 'private.handle_plaid_webhook(text, jsonb)', 'execute'),
  'users cannot record webhooks');
select ok(not has_function_privilege('authenticated', 'private.mark_item_healthy(uuid, text, boolean)', 'execute')
  and not has_function_privilege('anon', 'private.mark_item_healthy(uuid, text, boolean)', 'execute'),
  'users cannot mark items healthy');
select ok(has_function_privilege('service_role', 'private.handle_plaid_webhook(text, jsonb)', 'execute')
  and has_function_privilege('service_role', 'private.mark_item_healthy(uuid, text, boolean)', 'execute'),
  'the server can');

select * from finish();
rollback;
