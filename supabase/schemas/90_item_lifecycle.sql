-- Item lifecycle: the SQL half of the plaid-exchange-token, plaid-link-check, plaid-balance,
-- plaid-item-remove and plaid-data-delete functions. Each is one transaction, so a failure leaves
-- nothing half-written (no item without its accounts, no Vault secret without its item). Executed by
-- the Edge Functions (as postgres, through SUPABASE_DB_URL) and granted to service_role; never to users.

-- The Link accounts (Link's onSuccess metadata, or Plaid's AccountBase JSON) set against the user's
-- live connections at an institution: for each account, the connection that already feeds it
-- (private.same_bank_account), if any, and that connection's status.
create or replace function private.link_account_matches(p_user_id uuid, p_institution_id text, p_accounts jsonb)
returns table (n bigint, account jsonb, mapping_id uuid, item_id uuid, item_status text)
language sql
stable
set search_path = ''
as $$
  select x.n, x.account, m.id, m.item_id, i.status
  from jsonb_array_elements(private.jsonb_list(p_accounts)) with ordinality as x(account, n)
  left join lateral (select pa.* from private.same_bank_account(p_user_id, p_institution_id, x.account) pa
                     order by pa.created_at limit 1) m on true
  left join public.plaid_items i on i.id = m.item_id
$$;
revoke all on function private.link_account_matches(uuid, text, jsonb) from public, anon, authenticated, service_role;

-- plaid-link-check: before exchanging, what would connecting these Link accounts at this institution
-- do? new (nothing of it is connected), duplicate (a live connection already feeds some or all of
-- them: reconnect it, or add only the new accounts) or replaces_revoked (connecting again restores a
-- revoked connection, keeping its history). Returns { result, item, accounts: [{ id, name, mask,
-- connected }] }.
create or replace function private.check_link_accounts(p_user_id uuid, p_institution_id text, p_accounts jsonb)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with m as (select * from private.link_account_matches(p_user_id, p_institution_id, p_accounts)),
  live as (select m.item_id from m where m.item_status <> 'revoked' order by m.n limit 1),
  revoked as (select m.item_id from m where m.item_status = 'revoked' order by m.n limit 1),
  shown as (select coalesce((select item_id from live), (select item_id from revoked)) as item_id)
  select jsonb_build_object(
    'result', case when exists (select 1 from live) then 'duplicate'
                   when exists (select 1 from revoked) then 'replaces_revoked' else 'new' end,
    'item', (select jsonb_build_object('id', i.id, 'institution_name', i.institution_name, 'status', i.status)
             from public.plaid_items i join shown on shown.item_id = i.id),
    'accounts', coalesce((select jsonb_agg(jsonb_build_object('id', m.account ->> 'id', 'name', m.account ->> 'name',
                  'mask', m.account ->> 'mask', 'connected', m.item_id is not null and m.item_status <> 'revoked') order by m.n)
                from m), '[]'::jsonb))
$$;
comment on function private.check_link_accounts(uuid, text, jsonb) is
  'Duplicate pre-check of Link''s onSuccess accounts: new | duplicate | replaces_revoked, with the connection and which accounts are connected.';
revoke all on function private.check_link_accounts(uuid, text, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.check_link_accounts(uuid, text, jsonb) to service_role;

-- Custom SQLSTATE NF409 is raised for a duplicate connection; plaid-exchange-token maps it to HTTP 409
-- (the message's DETAIL is JSON: the connection, which accounts are connected already and which new).
-- p_accounts is the accounts array of Plaid's /accounts/get response, as received.
--   * Accounts a live connection of the user already feeds (same persistent id, or institution, type,
--     mask and name) are never mapped twice: with p_duplicates 'refuse' (the default) any such account
--     refuses the item; with 'skip' they are recorded as duplicates (not imported) and the new accounts
--     are connected, unless none is new (then refused too).
--   * Accounts a *revoked* connection fed are taken over: their mappings move to the new item (the
--     accounts keep their ids, names and history), the revoked item's other accounts stay as manual
--     accounts with their history, and the revoked item is deleted (its Plaid removal queued).
--   * A Plaid item id queued for removal (an exchange of the same Item failed meanwhile) is refused.
create or replace function private.create_plaid_item(
  p_user_id uuid,
  p_plaid_item_id text,
  p_access_token text,
  p_institution_id text,
  p_institution_name text,
  p_products_available text[],
  p_products_billed text[],
  p_webhook_url text,
  p_consent_expires_at timestamptz,
  p_accounts jsonb,
  p_duplicates text default 'refuse'
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_item_id uuid;
  v_accounts jsonb;
  v_total integer;
  v_live integer;
  v_existing uuid;
  v_revoked uuid;
  v_skipped jsonb;
  v_matches jsonb;
begin
  if jsonb_typeof(p_accounts) is distinct from 'array' then
    raise exception 'p_accounts must be Plaid''s accounts array' using errcode = '22023';
  end if;
  if p_duplicates not in ('refuse', 'skip') then
    raise exception 'duplicates must be refuse or skip, not %', p_duplicates using errcode = '22023';
  end if;
  -- One user's connections are created one at a time, so two concurrent duplicates cannot both pass;
  -- and one Plaid item is either stored or queued for removal (private.abandon_plaid_item), never both.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('plaid_item_create:' || p_user_id::text, 0));
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('plaid_item:' || p_plaid_item_id, 0));
  if exists (select 1 from private.plaid_item_removals r where r.plaid_item_id = p_plaid_item_id) then
    raise exception 'Plaid item % is being removed at Plaid', p_plaid_item_id using errcode = '55000';
  end if;

  select coalesce(jsonb_agg(to_jsonb(m)), '[]'::jsonb) into v_matches
  from private.link_account_matches(p_user_id, p_institution_id, p_accounts) m;
  select count(*), count(*) filter (where m.item_status <> 'revoked'),
         (array_agg(m.item_id order by m.n) filter (where m.item_status <> 'revoked'))[1]
    into v_total, v_live, v_existing
  from jsonb_to_recordset(v_matches) as m(n bigint, item_id uuid, item_status text);
  if v_live > 0 and (p_duplicates = 'refuse' or v_live = v_total) then
    raise exception 'institution % is already connected with % of these % accounts', p_institution_id, v_live, v_total
      using errcode = 'NF409', detail = jsonb_build_object(
        'item_id', v_existing,
        'connected_accounts', (select jsonb_agg(m.account ->> 'mask' order by m.n)
                               from jsonb_to_recordset(v_matches) as m(n bigint, account jsonb, item_status text)
                               where m.item_status <> 'revoked'),
        'new_accounts', coalesce((select jsonb_agg(m.account ->> 'mask' order by m.n)
                                  from jsonb_to_recordset(v_matches) as m(n bigint, account jsonb, item_status text)
                                  where m.item_status is null or m.item_status = 'revoked'), '[]'::jsonb))::text;
  end if;

  insert into public.plaid_items (user_id, plaid_item_id, institution_id, institution_name, products_available,
                                  products_billed, webhook_url, consent_expires_at)
  values (p_user_id, p_plaid_item_id, p_institution_id, p_institution_name, coalesce(p_products_available, '{}'),
          coalesce(p_products_billed, '{}'), p_webhook_url, p_consent_expires_at)
  returning id into v_item_id;

  perform private.store_item_access_token(v_item_id, p_access_token);

  -- Connecting a revoked bank again: its accounts move over, with their history.
  for v_revoked in select distinct m.item_id from jsonb_to_recordset(v_matches) as m(item_id uuid, item_status text)
                   where m.item_status = 'revoked' loop
    perform 1 from public.plaid_sync_state s where s.item_id = v_revoked order by s.product for update;
    perform 1 from public.plaid_items i where i.id = v_revoked for update;
    update public.plaid_accounts pa set item_id = v_item_id, plaid_account_id = m.account ->> 'account_id',
      replaced_at = now()
    from jsonb_to_recordset(v_matches) as m(account jsonb, mapping_id uuid, item_id uuid)
    where m.mapping_id = pa.id and m.item_id = v_revoked
      -- An account Plaid sent without an id is not a match to move (its mapping stays, kept as manual).
      and m.account ->> 'account_id' is not null;
    -- Its transactions stay on their accounts without an item (the new import re-imports what Plaid
    -- still has; private.drop_replaced_history then drops the old copies of that period).
    update public.transactions t set item_id = null where t.user_id = p_user_id and t.item_id = v_revoked;
    update public.accounts a set source = 'manual'
    from public.plaid_accounts pa
    where pa.item_id = v_revoked and pa.user_id = p_user_id and a.id = pa.account_id and a.user_id = p_user_id;
    perform pg_catalog.set_config('nestfolio.item_removal_reason', 'replaced', true);
    delete from public.plaid_items i where i.id = v_revoked;
    perform pg_catalog.set_config('nestfolio.item_removal_reason', '', true);
  end loop;

  perform private.upsert_item_accounts(v_item_id, p_user_id, p_accounts);
  select coalesce(jsonb_agg(pa.mask order by pa.mask), '[]'::jsonb) into v_skipped
  from public.plaid_accounts pa where pa.item_id = v_item_id and pa.account_id is null;

  -- The initial sync of transactions and of each optional product Plaid enabled (billed) on the item,
  -- requested in the same transaction.
  insert into public.plaid_sync_state (item_id, product, user_id, requested_at)
  select v_item_id, p.product, p_user_id, now()
  from unnest(array['transactions', 'liabilities', 'investments']) as p(product)
  where p.product = 'transactions' or p.product = any (coalesce(p_products_billed, '{}'));

  -- The accounts as connected (duplicates left out), in Plaid's order.
  select coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name, 'mask', pa.mask, 'type', a.type,
                                               'subtype', a.subtype) order by x.n), '[]'::jsonb)
    into v_accounts
  from jsonb_array_elements(p_accounts) with ordinality as x(account, n)
  join public.plaid_accounts pa on pa.plaid_account_id = x.account ->> 'account_id' and pa.item_id = v_item_id
  join public.accounts a on a.id = pa.account_id;

  return jsonb_build_object('id', v_item_id, 'institution_id', p_institution_id, 'institution_name', p_institution_name,
                            'status', 'healthy', 'accounts', v_accounts, 'skipped_duplicates', v_skipped,
                            'replaced_revoked', exists (select 1 from jsonb_to_recordset(v_matches) as m(item_status text)
                                                        where m.item_status = 'revoked'));
end
$$;
comment on function private.create_plaid_item(uuid, text, text, text, text, text[], text[], text, timestamptz, jsonb, text) is
  'Creates an item with its Vault token, accounts and initial sync requests in one transaction; NF409 on a duplicate; takes over a revoked connection''s accounts.';
revoke all on function private.create_plaid_item(uuid, text, text, text, text, text[], text[], text, timestamptz, jsonb, text) from public, anon, authenticated, service_role;
grant execute on function private.create_plaid_item(uuid, text, text, text, text, text[], text[], text, timestamptz, jsonb, text) to service_role;

-- Once a connection that took over a revoked one has imported its history (initial_sync_done), the old
-- connection's copies of that period go: Plaid re-sends transactions with new ids, so on each taken-over
-- account the item-less Plaid transactions from the new import's first date on (and every old pending
-- one) are dropped; older history stays.
create or replace function private.drop_replaced_history()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- By user and item: plaid_accounts' (user_id, item_id) index, whatever the number of items.
  delete from public.transactions t
  using public.plaid_accounts pa
  where pa.user_id = new.user_id and pa.item_id = new.item_id and pa.replaced_at is not null
    and t.user_id = pa.user_id and t.account_id = pa.account_id
    and t.item_id is null and t.plaid_transaction_id is not null
    and (t.pending or t.date >= (select min(n.date) from public.transactions n
                                 where n.user_id = pa.user_id and n.account_id = pa.account_id and n.item_id = new.item_id));
  update public.plaid_accounts pa set replaced_at = null
  where pa.user_id = new.user_id and pa.item_id = new.item_id and pa.replaced_at is not null;
  return null;
end
$$;
comment on function private.drop_replaced_history() is
  'AFTER UPDATE OF initial_sync_done on plaid_sync_state: drops a replaced connection''s copies of the period the new import covers.';
revoke all on function private.drop_replaced_history() from public, anon, authenticated, service_role;

create trigger plaid_sync_state_drop_replaced_history
  after update of initial_sync_done on public.plaid_sync_state
  for each row
  when (new.product = 'transactions' and new.initial_sync_done and not old.initial_sync_done)
  execute function private.drop_replaced_history();

-- The per-item rate limit of live balance refreshes (Plaid bills each /accounts/balance/get).
create or replace function private.claim_balance_refresh(p_item_id uuid, p_interval_seconds integer)
returns table (claimed boolean, previous timestamptz, next_allowed_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_previous timestamptz;
  v_interval interval := make_interval(secs => p_interval_seconds);
begin
  select i.last_balance_refresh_at into v_previous from public.plaid_items i where i.id = p_item_id for update;
  if not found then
    raise exception 'plaid item % not found', p_item_id using errcode = 'P0002';
  end if;
  if v_previous is not null and v_previous + v_interval > now() then
    return query select false, v_previous, v_previous + v_interval;
    return;
  end if;
  update public.plaid_items set last_balance_refresh_at = now() where id = p_item_id;
  return query select true, v_previous, now() + v_interval;
end
$$;
comment on function private.claim_balance_refresh(uuid, integer) is
  'Claims the item''s balance refresh slot atomically; claimed=false with next_allowed_at when rate-limited.';
revoke all on function private.claim_balance_refresh(uuid, integer) from public, anon, authenticated, service_role;
grant execute on function private.claim_balance_refresh(uuid, integer) to service_role;

create or replace function private.release_balance_refresh(p_item_id uuid, p_previous timestamptz)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.plaid_items set last_balance_refresh_at = p_previous where id = p_item_id;
$$;
comment on function private.release_balance_refresh(uuid, timestamptz) is
  'Gives the balance refresh slot back after Plaid failed, so a failed refresh costs the user no wait.';
revoke all on function private.release_balance_refresh(uuid, timestamptz) from public, anon, authenticated, service_role;
grant execute on function private.release_balance_refresh(uuid, timestamptz) to service_role;

-- Live balances: Plaid's /accounts/balance/get response, as received, onto the item's accounts.
create or replace function private.apply_account_balances(p_item_id uuid, p_response jsonb)
returns table (id uuid, current_balance numeric, available_balance numeric, credit_limit numeric, currency text,
               unofficial_currency_code text, balance_updated_at timestamptz)
language sql
security definer
set search_path = ''
as $$
  select a.id, a.current_balance, a.available_balance, a.credit_limit, a.currency, a.unofficial_currency_code,
         a.balance_updated_at
  from public.plaid_items i
  cross join lateral private.upsert_item_accounts(i.id, i.user_id, p_response -> 'accounts') a
  where i.id = p_item_id
$$;
comment on function private.apply_account_balances(uuid, jsonb) is
  'Writes the accounts of a /accounts/balance/get response to the item (private.upsert_item_accounts); returns their balances.';
revoke all on function private.apply_account_balances(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.apply_account_balances(uuid, jsonb) to service_role;

-- Removes an item here. Keeping history turns its accounts into manual accounts and detaches its
-- transactions from the item before the delete cascades. p_removed_at_plaid: plaid-item-remove has
-- had /item/remove confirmed, so the token is deleted; otherwise the item's delete trigger queues its
-- removal at Plaid with the token (15_item_removals.sql). Returns the number of accounts kept.
create or replace function private.remove_plaid_item(p_item_id uuid, p_keep_history boolean, p_removed_at_plaid boolean default false)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
  v_kept integer := 0;
begin
  -- Sync state first, then the item: the order every sync writer takes (a page holds the state row
  -- and then key-shares the item), so a removal waits for a running page instead of deadlocking.
  perform 1 from public.plaid_sync_state s where s.item_id = p_item_id order by s.product for update;
  select i.user_id into v_user_id from public.plaid_items i where i.id = p_item_id for update;
  if not found then
    raise exception 'plaid item % not found', p_item_id using errcode = 'P0002';
  end if;
  if p_keep_history then
    -- The kept accounts keep where they came from: the mapping and item that held it go below.
    update public.accounts a set source = 'manual', institution_name = i.institution_name, mask = pa.mask
    from public.plaid_accounts pa
    join public.plaid_items i on i.id = pa.item_id
    where pa.user_id = v_user_id and pa.item_id = p_item_id and a.user_id = v_user_id and a.id = pa.account_id;
    get diagnostics v_kept = row_count;
    update public.transactions t set item_id = null where t.user_id = v_user_id and t.item_id = p_item_id;
  end if;
  if p_removed_at_plaid then
    update public.plaid_items i set access_token_secret_id = null where i.id = p_item_id; -- its trigger deletes the secret
  end if;
  delete from public.plaid_items where id = p_item_id;
  return v_kept;
end
$$;
comment on function private.remove_plaid_item(uuid, boolean, boolean) is
  'Deletes an item (cascading its Plaid data; its token deleted, or queued for removal at Plaid), optionally keeping its accounts and transactions as manual.';
revoke all on function private.remove_plaid_item(uuid, boolean, boolean) from public, anon, authenticated, service_role;
grant execute on function private.remove_plaid_item(uuid, boolean, boolean) to service_role;

-- "Delete all my bank data": every connection of the user (each removed at Plaid through the removal
-- queue, tokens kept until Plaid is done) and every account, manual ones included, with their
-- transactions, holdings and liabilities. The user's sign-in stays. Returns what was deleted and the
-- removal queue entries to work now.
create or replace function private.delete_user_bank_data(p_user_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_items integer;
  v_accounts integer;
  v_transactions integer;
begin
  -- Sync state first, then the items (the lock order every writer keeps).
  perform 1 from public.plaid_sync_state s where s.user_id = p_user_id order by s.item_id, s.product for update;
  perform 1 from public.plaid_items i where i.user_id = p_user_id order by i.id for update;
  select count(*) into v_transactions from public.transactions t where t.user_id = p_user_id;
  select count(*) into v_accounts from public.accounts a where a.user_id = p_user_id;
  perform pg_catalog.set_config('nestfolio.removal_inline', 'on', true); -- plaid-data-delete works them now
  delete from public.plaid_items i where i.user_id = p_user_id;
  get diagnostics v_items = row_count;
  delete from public.accounts a where a.user_id = p_user_id;
  return jsonb_build_object('connections', v_items, 'accounts', v_accounts, 'transactions', v_transactions,
    'removals', coalesce((select jsonb_agg(r.id) from private.plaid_item_removals r
                          where r.user_id = p_user_id and r.done_at is null), '[]'::jsonb));
end
$$;
comment on function private.delete_user_bank_data(uuid) is
  'Deletes all of a user''s connections (queued for removal at Plaid) and accounts with their data; the sign-in stays.';
revoke all on function private.delete_user_bank_data(uuid) from public, anon, authenticated, service_role;
grant execute on function private.delete_user_bank_data(uuid) to service_role;
