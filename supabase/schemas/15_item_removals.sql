-- The Plaid removal queue: every Item the product lets go of is removed at Plaid (ending billing and
-- webhooks) through this durable queue, retried until Plaid answers success or says the Item is gone.
-- Entries come from:
--   * deleting an item row (plaid-item-remove after Plaid failed to confirm, "Delete all my bank data",
--     deleting the user, replacing a revoked connection): the AFTER DELETE trigger below moves the
--     item's Vault secret into the queue instead of deleting it, so the token outlives the row until
--     Plaid has removed the Item;
--   * an exchange whose new Item is not stored (a duplicate, a failure after Plaid's exchange):
--     private.abandon_plaid_item, which queues an Item only when no item row holds it; that decision
--     and private.create_plaid_item take the same per-Plaid-item lock, so an Item the product stores is
--     never removed at Plaid, however exchanges race.
-- plaid-item-removal (secret key) works one entry: claim (lease), /item/remove, finish. The entry's
-- call is made through pg_net after commit; private.sweep_item_lifecycle (pg_cron) re-dispatches lost
-- calls and retries whose backoff is over. Done entries stay as tombstones for 30 days: a Plaid item id
-- being removed can never be stored again.

create table private.plaid_item_removals (
  id uuid primary key default gen_random_uuid(),
  plaid_item_id text not null unique check (plaid_item_id <> '' and char_length(plaid_item_id) <= 255),
  -- Who and what it was, for support (no foreign keys: the user and the item row are usually gone).
  user_id uuid,
  item_id uuid,
  reason text not null check (reason in ('item_deleted', 'user_deleted', 'replaced', 'duplicate', 'not_stored')),
  -- Vault secret of the access token, named 'plaid_removal_token:<id>'; deleted once Plaid is done.
  access_token_secret_id uuid unique,
  requested_at timestamptz not null default now(),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  lease_id uuid,
  lease_expires_at timestamptz,
  last_dispatched_at timestamptz,
  last_error jsonb check (last_error is null or jsonb_typeof(last_error) = 'object'),
  -- removed: Plaid confirmed; gone: Plaid no longer knows the token (ITEM_NOT_FOUND, INVALID_ACCESS_TOKEN).
  outcome text check (outcome in ('removed', 'gone')),
  done_at timestamptz,
  constraint plaid_item_removals_done check ((outcome is null) = (done_at is null)),
  constraint plaid_item_removals_lease_complete check ((lease_id is null) = (lease_expires_at is null))
);
create index plaid_item_removals_pending_idx on private.plaid_item_removals (requested_at) where done_at is null;
create index plaid_item_removals_user_id_idx on private.plaid_item_removals (user_id) where done_at is null;
comment on table private.plaid_item_removals is
  'Plaid Items to remove at Plaid (/item/remove), retried until done; the access token stays in Vault until then.';
revoke all on table private.plaid_item_removals from public, anon, authenticated, service_role;

create or replace function private.removal_token_secret_name(p_removal_id uuid)
returns text
language sql
immutable
set search_path = ''
as $$
  select 'plaid_removal_token:' || p_removal_id::text
$$;
revoke all on function private.removal_token_secret_name(uuid) from public, anon, authenticated, service_role;

-- Calls one of the project's Edge Functions with the secret key through pg_net (sent after commit),
-- as private.dispatch_sync does for plaid-sync. Null (and a warning) when Vault lacks the secrets.
create or replace function private.call_edge_function(p_name text, p_body jsonb)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
begin
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'project_url';
  select s.decrypted_secret into v_key from vault.decrypted_secrets s where s.name = 'secret_key';
  if v_url is null or v_key is null then
    raise warning '% not called: set the Vault secrets project_url and secret_key (README, Deploy)', p_name;
    return null;
  end if;
  return net.http_post(
    url := v_url || '/functions/v1/' || p_name,
    headers := jsonb_build_object('Content-Type', 'application/json', 'apikey', v_key),
    body := p_body,
    timeout_milliseconds := 10000);
end
$$;
comment on function private.call_edge_function(text, jsonb) is 'POSTs a body to an Edge Function with the secret key through pg_net (after commit).';
revoke all on function private.call_edge_function(text, jsonb) from public, anon, authenticated, service_role;

create or replace function private.dispatch_item_removal(p_removal_id uuid)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request bigint := private.call_edge_function('plaid-item-removal', jsonb_build_object('removal_id', p_removal_id));
begin
  update private.plaid_item_removals r set last_dispatched_at = now() where r.id = p_removal_id;
  return v_request;
end
$$;
revoke all on function private.dispatch_item_removal(uuid) from public, anon, authenticated, service_role;

-- Queues the removal of a Plaid Item with its access token (a Vault secret already holding it is
-- renamed to the queue's name and kept; otherwise p_access_token is stored). Idempotent per Plaid item
-- id: the existing entry is returned. Dispatched after commit.
create or replace function private.queue_item_removal(
  p_plaid_item_id text, p_user_id uuid, p_item_id uuid, p_reason text, p_secret_id uuid, p_access_token text
) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  select r.id into v_id from private.plaid_item_removals r where r.plaid_item_id = p_plaid_item_id;
  if v_id is not null then
    -- Already queued (a retried exchange): a second copy of the token is not needed.
    if p_secret_id is not null then
      delete from vault.secrets s where s.id = p_secret_id;
    end if;
    return v_id;
  end if;
  insert into private.plaid_item_removals (plaid_item_id, user_id, item_id, reason)
  values (p_plaid_item_id, p_user_id, p_item_id, p_reason)
  returning id into v_id;
  if p_secret_id is not null then
    perform vault.update_secret(p_secret_id, null, private.removal_token_secret_name(v_id),
                                'Plaid access token of an Item queued for removal (' || p_reason || ')');
  elsif p_access_token is not null then
    p_secret_id := vault.create_secret(p_access_token, private.removal_token_secret_name(v_id),
                                       'Plaid access token of an Item queued for removal (' || p_reason || ')');
  end if;
  update private.plaid_item_removals r set access_token_secret_id = p_secret_id where r.id = v_id;
  -- A caller that works the entry itself right after commit (an exchange letting go of its Item,
  -- "Delete all my bank data") says so; the sweep still dispatches it if that attempt fails.
  if coalesce(pg_catalog.current_setting('nestfolio.removal_inline', true), '') <> 'on' then
    perform private.dispatch_item_removal(v_id);
  end if;
  return v_id;
end
$$;
comment on function private.queue_item_removal(text, uuid, uuid, text, uuid, text) is
  'Queues /item/remove of a Plaid Item, keeping its token in Vault until Plaid is done. Returns the entry id.';
revoke all on function private.queue_item_removal(text, uuid, uuid, text, uuid, text) from public, anon, authenticated, service_role;

-- AFTER DELETE on plaid_items: the item's token goes into the removal queue (never deleted before
-- Plaid has removed the Item). An item whose token was cleared first (plaid-item-remove after Plaid
-- confirmed the removal) has nothing left to remove.
create or replace function private.queue_deleted_item_removal()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.queue_item_removal(old.plaid_item_id, old.user_id, old.id,
    coalesce(nullif(pg_catalog.current_setting('nestfolio.item_removal_reason', true), ''),
             case when exists (select 1 from auth.users u where u.id = old.user_id) then 'item_deleted' else 'user_deleted' end),
    (select s.id from vault.secrets s
     where s.id = old.access_token_secret_id and s.name = private.item_access_token_secret_name(old.id)),
    null);
  return null;
end
$$;
comment on function private.queue_deleted_item_removal() is
  'AFTER DELETE on plaid_items: queues the Item''s removal at Plaid with its Vault secret.';
revoke all on function private.queue_deleted_item_removal() from public, anon, authenticated, service_role;

create trigger plaid_items_queue_removal
  after delete on public.plaid_items
  for each row
  when (old.access_token_secret_id is not null)
  execute function private.queue_deleted_item_removal();

-- An exchanged Item the product does not store (a duplicate, or a failure after Plaid's exchange): queued
-- for removal unless an item row holds that Plaid item id (then it is the user's live connection, or
-- another user's: never removed). Under the same lock as private.create_plaid_item. Returns the queue
-- entry, or null when the Item is stored.
create or replace function private.abandon_plaid_item(p_user_id uuid, p_plaid_item_id text, p_access_token text, p_reason text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('plaid_item:' || p_plaid_item_id, 0));
  if exists (select 1 from public.plaid_items i where i.plaid_item_id = p_plaid_item_id) then
    return null;
  end if;
  perform pg_catalog.set_config('nestfolio.removal_inline', 'on', true); -- plaid-exchange-token works it now
  return private.queue_item_removal(p_plaid_item_id, p_user_id, null, p_reason, null, p_access_token);
end
$$;
comment on function private.abandon_plaid_item(uuid, text, text, text) is
  'Queues /item/remove of an exchanged Item that no item row holds; null (nothing queued) when it is stored.';
revoke all on function private.abandon_plaid_item(uuid, text, text, text) from public, anon, authenticated, service_role;
grant execute on function private.abandon_plaid_item(uuid, text, text, text) to service_role;

-- Takes an entry for one /item/remove call: due, not done, no live lease. Returns its token.
create or replace function private.claim_item_removal(p_removal_id uuid, p_lease_seconds integer)
returns table (lease_id uuid, plaid_item_id text, access_token text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lease uuid := gen_random_uuid();
  v_row private.plaid_item_removals;
begin
  -- Claimed: the call that was dispatched has been picked up (the sweep looks for lost ones).
  update private.plaid_item_removals r
  set lease_id = v_lease, lease_expires_at = now() + make_interval(secs => p_lease_seconds), last_dispatched_at = null
  where r.id = p_removal_id and r.done_at is null
    and (r.lease_id is null or r.lease_expires_at <= now())
    and (r.next_attempt_at is null or r.next_attempt_at <= now())
  returning * into v_row;
  if v_row.id is null then
    return;
  end if;
  return query select v_lease, v_row.plaid_item_id,
    (select s.decrypted_secret from vault.decrypted_secrets s
     where s.id = v_row.access_token_secret_id and s.name = private.removal_token_secret_name(v_row.id));
end
$$;
revoke all on function private.claim_item_removal(uuid, integer) from public, anon, authenticated, service_role;
grant execute on function private.claim_item_removal(uuid, integer) to service_role;

-- Records one /item/remove call: removed or gone → done, the token deleted; failed → retried with
-- backoff (1, 2, 4 ... minutes, at most 6 h) by the sweep.
create or replace function private.finish_item_removal(p_removal_id uuid, p_lease_id uuid, p_outcome text, p_error jsonb)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row private.plaid_item_removals;
begin
  if p_outcome not in ('removed', 'gone', 'failed') then
    raise exception 'outcome must be removed, gone or failed, not %', p_outcome using errcode = '22023';
  end if;
  select * into v_row from private.plaid_item_removals r where r.id = p_removal_id and r.lease_id = p_lease_id for update;
  if v_row.id is null then
    return false; -- the lease expired and another call took over
  end if;
  if p_outcome = 'failed' then
    update private.plaid_item_removals r set lease_id = null, lease_expires_at = null, attempts = r.attempts + 1,
      next_attempt_at = now() + least(interval '6 hours', interval '1 minute' * power(2, r.attempts)), last_error = p_error
    where r.id = p_removal_id;
    return false;
  end if;
  update private.plaid_item_removals r set lease_id = null, lease_expires_at = null, outcome = p_outcome,
    done_at = now(), last_error = p_error, access_token_secret_id = null
  where r.id = p_removal_id;
  delete from vault.secrets s
  where s.id = v_row.access_token_secret_id and s.name = private.removal_token_secret_name(v_row.id);
  return true;
end
$$;
revoke all on function private.finish_item_removal(uuid, uuid, text, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.finish_item_removal(uuid, uuid, text, jsonb) to service_role;
