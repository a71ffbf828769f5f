-- Plaid webhooks, the SQL half of plaid-webhook (docs/api.md). The function verifies Plaid's signature
-- and then makes one call: private.handle_plaid_webhook records the delivery and acts on it in the
-- same transaction, so a webhook is either recorded and acted on, or (on any failure) neither, and
-- Plaid's retry of a failed delivery is acted on normally. Nothing here calls Plaid: syncs are
-- requested as database state and dispatched over pg_net after commit.

create table public.webhook_events (
  id uuid primary key default gen_random_uuid(),
  received_at timestamptz not null default now(),
  last_received_at timestamptz not null default now(),
  delivery_count integer not null default 1 check (delivery_count >= 1),
  -- SHA-256 (hex) of the raw body: the same delivery received twice is one row (delivery_count 2).
  body_sha256 text not null unique check (body_sha256 ~ '^[0-9a-f]{64}$'),
  -- Null only for a rejected delivery whose body did not say (or not storably).
  webhook_type text,
  webhook_code text,
  plaid_item_id text,
  -- The item (and its owner) when known; cleared when the item is removed, the log row stays.
  item_id uuid,
  user_id uuid,
  -- Plaid's body; null for a rejected delivery (its body as received is in error.body).
  payload jsonb check (payload is null or jsonb_typeof(payload) = 'object'),
  processed_at timestamptz,
  -- rejected: signed by Plaid, but a body we cannot act on (not JSON, not storable, a malformed field).
  outcome text not null default 'received' check (outcome in ('received', 'processed', 'ignored', 'failed', 'rejected')),
  error jsonb check (error is null or jsonb_typeof(error) = 'object'),
  constraint webhook_events_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) match full on delete set null,
  -- Everything but a rejection is a body with a type and code, acted on; a rejection is tied to no one.
  constraint webhook_events_rejected_or_complete check (
    case when outcome = 'rejected' then payload is null and item_id is null and user_id is null and error ? 'reason'
         else payload is not null and webhook_type is not null and webhook_code is not null end)
);
create index webhook_events_user_id_item_id_received_at_idx on public.webhook_events (user_id, item_id, received_at desc);
-- Webhooks for Items the product does not hold (removed, or their user deleted): is this the first?
create index webhook_events_plaid_item_id_idx on public.webhook_events (plaid_item_id) where item_id is null;

comment on table public.webhook_events is
  'Plaid webhooks received (after verification), one row per distinct body. Written by plaid-webhook; users read the metadata of their items'' events (not the payload).';

alter table public.webhook_events enable row level security;

create policy "webhook_events: owner reads"
  on public.webhook_events for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.webhook_events from public, anon, authenticated, service_role;
grant select (
  id, received_at, last_received_at, delivery_count, webhook_type, webhook_code, plaid_item_id,
  item_id, user_id, processed_at, outcome
) on public.webhook_events to authenticated;   -- not payload, body_sha256 or error
grant select, insert, update, delete on public.webhook_events to service_role;


-- A delivery Plaid signed whose body cannot be acted on (plaid-webhook found it not JSON, holding text
-- Postgres cannot store, nested too deeply, or with a malformed field): recorded for support, with the
-- reason and the body as received, attached to no item or user and acting on nothing. Answering it 200
-- stops Plaid from retrying a body that can never be accepted. A redelivery is the same row.
create or replace function private.record_rejected_webhook(
  p_body_sha256 text, p_webhook_type text, p_webhook_code text, p_plaid_item_id text, p_reason text, p_body text
) returns jsonb
language sql
security definer
set search_path = ''
as $$
  insert into public.webhook_events as e (body_sha256, webhook_type, webhook_code, plaid_item_id, outcome, processed_at, error)
  values (p_body_sha256, p_webhook_type, p_webhook_code, p_plaid_item_id, 'rejected', now(),
          jsonb_build_object('reason', p_reason, 'body', p_body))
  on conflict (body_sha256) do update set delivery_count = e.delivery_count + 1, last_received_at = now()
  returning jsonb_build_object('event_id', e.id, 'delivery_count', e.delivery_count, 'outcome', e.outcome)
$$;
comment on function private.record_rejected_webhook(text, text, text, text, text, text) is
  'Records a verified webhook whose body cannot be acted on (outcome rejected, reason and body in error); acts on nothing.';
revoke all on function private.record_rejected_webhook(text, text, text, text, text, text) from public, anon, authenticated, service_role;
grant execute on function private.record_rejected_webhook(text, text, text, text, text, text) to service_role;

-- The item is healthy again: Link update mode completed (plaid-item-repaired, after Plaid confirmed
-- the item has no error) or Plaid's ITEM LOGIN_REPAIRED. Clears the error and the retry backoff and
-- requests a sync of every product the item syncs. Returns the number of products requested.
create or replace function private.mark_item_healthy(p_item_id uuid, p_trigger text, p_accounts_reviewed boolean)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_requested integer;
begin
  -- The item's sync state before the item, the lock order every writer keeps (60_sync.sql).
  perform 1 from public.plaid_sync_state s where s.item_id = p_item_id order by s.product for update;
  -- status_observed_at: now, so a status check whose /item/get started earlier cannot undo this.
  update public.plaid_items i set status = 'healthy', error = null, error_code = null, status_observed_at = now(),
    -- Update mode with account selection is how new accounts get shared: the flag has been acted on.
    new_accounts_available = case when p_accounts_reviewed then false else i.new_accounts_available end
  where i.id = p_item_id;
  if not found then
    return 0;
  end if;
  update public.plaid_sync_state s set attempts = 0, next_attempt_at = null where s.item_id = p_item_id;
  select count(private.request_sync(s.item_id, s.product, p_trigger)) into v_requested
  from public.plaid_sync_state s where s.item_id = p_item_id;
  return v_requested;
end
$$;
comment on function private.mark_item_healthy(uuid, text, boolean) is
  'Item repaired (update mode done or LOGIN_REPAIRED): status healthy, error and backoff cleared, every product''s sync requested.';
revoke all on function private.mark_item_healthy(uuid, text, boolean) from public, anon, authenticated, service_role;
grant execute on function private.mark_item_healthy(uuid, text, boolean) to service_role;

-- Statuses ordered by how much they need the user: a softer webhook (PENDING_EXPIRATION) never
-- hides a harder state (login_required, revoked) that is already recorded.
create or replace function private.item_status_severity(p_status text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case p_status when 'healthy' then 0 when 'pending_expiration' then 1 when 'pending_disconnect' then 1
    when 'error' then 2 when 'login_required' then 3 when 'revoked' then 4 else 2 end
$$;
revoke all on function private.item_status_severity(text) from public, anon, authenticated, service_role;

-- Records one verified webhook (p_payload is Plaid's body, p_body_sha256 the SHA-256 of its raw bytes)
-- and acts on it.
--
-- A delivery with the same body as an earlier one is the same event: one row, delivery_count + 1. Its
-- effects are idempotent anyway. Plaid's bodies carry no event id or time, and SYNC_UPDATES_AVAILABLE
-- (and the product DEFAULT_UPDATEs) legitimately repeat byte for byte, so sync requests are made on
-- every delivery (a sync that finds nothing new costs one Plaid call). ITEM ERROR and LOGIN_REPAIRED
-- repeat byte for byte too (a second ITEM_LOGIN_REQUIRED after a repair), and a late retry of an old
-- one looks like news: they only ask for a status check (72_item_status.sql), on every delivery, and
-- /item/get says what is true. Revocations are final and applied directly; the PENDING_* webhooks carry
-- their time (a new event is a new body) and apply on a body's first delivery, or again once it is
-- older than Plaid's 24 h retry window. A webhook for an Item the product does not hold (removed, its
-- user deleted) is recorded and answered; first_for_item says whether it is the first for that Item.
create or replace function private.handle_plaid_webhook(p_body_sha256 text, p_payload jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_type text := p_payload ->> 'webhook_type';
  v_code text := p_payload ->> 'webhook_code';
  v_item public.plaid_items;
  v_event_id uuid;
  v_previous_at timestamptz;
  v_deliveries integer := 1;
  v_apply_status boolean;
  v_outcome text := 'processed';
  v_action text;
  v_status text;
  v_first_for_item boolean := false;
begin
  if v_type is null or v_code is null then
    raise exception 'a Plaid webhook has webhook_type and webhook_code' using errcode = '22023';
  end if;
  select * into v_item from public.plaid_items i where i.plaid_item_id = p_payload ->> 'item_id';
  if v_item.id is null then
    v_first_for_item := not exists (select 1 from public.webhook_events e
                                    where e.plaid_item_id = p_payload ->> 'item_id' and e.item_id is null
                                      and e.outcome <> 'rejected');
  end if;

  insert into public.webhook_events (body_sha256, webhook_type, webhook_code, plaid_item_id, item_id, user_id, payload)
  values (p_body_sha256, v_type, v_code, p_payload ->> 'item_id', v_item.id, v_item.user_id, p_payload)
  on conflict (body_sha256) do nothing
  returning id into v_event_id;
  if v_event_id is null then
    select e.id, e.last_received_at into v_event_id, v_previous_at
    from public.webhook_events e where e.body_sha256 = p_body_sha256 for update;
    update public.webhook_events e set delivery_count = e.delivery_count + 1, last_received_at = now()
    where e.id = v_event_id
    returning e.delivery_count into v_deliveries;
  end if;
  v_apply_status := v_previous_at is null or v_previous_at < now() - interval '24 hours';

  if v_item.id is null then
    v_outcome := 'ignored';
    v_action := 'unknown_item';
  elsif v_type = 'TRANSACTIONS' and v_code = 'SYNC_UPDATES_AVAILABLE' then
    perform private.request_sync(v_item.id, 'transactions', 'webhook');
    v_action := 'sync_transactions';
  elsif (v_type = 'HOLDINGS' and v_code = 'DEFAULT_UPDATE')
     or (v_type = 'INVESTMENTS_TRANSACTIONS' and v_code in ('DEFAULT_UPDATE', 'HISTORICAL_UPDATE')) then
    perform private.request_sync(v_item.id, 'investments', 'webhook');
    v_action := 'sync_investments';
  elsif v_type = 'LIABILITIES' and v_code = 'DEFAULT_UPDATE' then
    perform private.request_sync(v_item.id, 'liabilities', 'webhook');
    v_action := 'sync_liabilities';
  elsif v_type = 'ITEM' and v_code in ('ERROR', 'LOGIN_REPAIRED') then
    perform private.request_item_status_check(v_item.id);
    v_action := 'status_check';
  elsif v_type = 'ITEM' and v_code in ('PENDING_EXPIRATION', 'PENDING_DISCONNECT') then
    v_status := case v_code when 'PENDING_EXPIRATION' then 'pending_expiration' else 'pending_disconnect' end;
    if v_apply_status then
      update public.plaid_items i set
        consent_expires_at = coalesce((p_payload ->> 'consent_expiration_time')::timestamptz,
                                      (p_payload ->> 'disconnect_time')::timestamptz, i.consent_expires_at),
        status = case when private.item_status_severity(i.status) <= private.item_status_severity(v_status)
                      then v_status else i.status end
      where i.id = v_item.id;
    end if;
    v_action := 'status_' || v_status;
  elsif v_type = 'ITEM' and v_code in ('USER_PERMISSION_REVOKED', 'USER_ACCOUNT_REVOKED') then
    -- Final: a revoked Item is never repaired, only connected again (a new Item), so any order is right.
    -- Plaid's error when the payload carries one as an object (it may be null; only INITIAL_UPDATE's is
    -- typed a string, but a string here is not stored as an item's error), else the code itself.
    update public.plaid_items i set status = 'revoked',
      error = case when jsonb_typeof(p_payload -> 'error') = 'object' then p_payload -> 'error'
                   else jsonb_build_object('error_type', 'ITEM_ERROR', 'error_code', v_code) end,
      error_code = coalesce(case when jsonb_typeof(p_payload -> 'error') = 'object' then p_payload -> 'error' ->> 'error_code' end, v_code)
    where i.id = v_item.id and i.status <> 'revoked';
    v_action := 'status_revoked';
  elsif v_type = 'ITEM' and v_code = 'NEW_ACCOUNTS_AVAILABLE' then
    update public.plaid_items i set new_accounts_available = true where i.id = v_item.id;
    v_action := 'new_accounts_available';
  elsif v_type = 'ITEM' and v_code = 'WEBHOOK_UPDATE_ACKNOWLEDGED' then
    update public.plaid_items i set webhook_url = coalesce(p_payload ->> 'new_webhook_url', i.webhook_url)
    where i.id = v_item.id;
    v_action := 'webhook_url_recorded';
  else
    -- Legacy TRANSACTIONS codes (INITIAL_UPDATE, HISTORICAL_UPDATE, DEFAULT_UPDATE, TRANSACTIONS_REMOVED)
    -- are covered by SYNC_UPDATES_AVAILABLE; anything else is recorded for support.
    v_outcome := 'ignored';
    v_action := 'none';
  end if;

  update public.webhook_events e set outcome = v_outcome, processed_at = now() where e.id = v_event_id;
  return jsonb_build_object('event_id', v_event_id, 'delivery_count', v_deliveries, 'outcome', v_outcome,
                            'action', v_action, 'status_applied', v_apply_status, 'first_for_item', v_first_for_item);
end
$$;
comment on function private.handle_plaid_webhook(text, jsonb) is
  'Records a verified Plaid webhook once (by body hash) and acts on it: sync requests, status checks, final or timed statuses, flags. One transaction.';
revoke all on function private.handle_plaid_webhook(text, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.handle_plaid_webhook(text, jsonb) to service_role;
