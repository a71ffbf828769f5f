-- Item lifecycle: the SQL half of the plaid-exchange-token, plaid-balance and plaid-item-remove
-- functions. Each is one transaction, so a failure leaves nothing half-written (no item without its
-- accounts, no Vault secret without its item). Executed by the Edge Functions (as postgres, through
-- SUPABASE_DB_URL) and granted to service_role; never to users.

-- Custom SQLSTATE NF409 is raised for a duplicate connection; plaid-exchange-token maps it to HTTP 409.
-- p_accounts is the accounts array of Plaid's /accounts/get response, as received.
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
  p_accounts jsonb
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_item_id uuid;
  v_masks text[];
  v_accounts jsonb;
begin
  if jsonb_typeof(p_accounts) is distinct from 'array' then
    raise exception 'p_accounts must be Plaid''s accounts array' using errcode = '22023';
  end if;
  -- One user's connections are created one at a time, so two concurrent duplicates cannot both pass.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('plaid_item_create:' || p_user_id::text, 0));

  -- A duplicate: the same institution with the same set of account masks (Plaid's recommendation).
  select coalesce(array_agg(distinct a ->> 'mask' order by a ->> 'mask') filter (where a ->> 'mask' is not null), '{}')
    into v_masks from jsonb_array_elements(p_accounts) a;
  if p_institution_id is not null and exists (
    select 1 from public.plaid_items i
    where i.user_id = p_user_id and i.institution_id = p_institution_id
      and (select coalesce(array_agg(distinct pa.mask order by pa.mask) filter (where pa.mask is not null), '{}')
           from public.plaid_accounts pa where pa.user_id = p_user_id and pa.item_id = i.id) = v_masks
  ) then
    raise exception 'institution % is already connected with the same accounts', p_institution_id using errcode = 'NF409';
  end if;

  insert into public.plaid_items (user_id, plaid_item_id, institution_id, institution_name, products_available,
                                  products_billed, webhook_url, consent_expires_at)
  values (p_user_id, p_plaid_item_id, p_institution_id, p_institution_name, coalesce(p_products_available, '{}'),
          coalesce(p_products_billed, '{}'), p_webhook_url, p_consent_expires_at)
  returning id into v_item_id;

  perform private.store_item_access_token(v_item_id, p_access_token);
  perform private.upsert_item_accounts(v_item_id, p_user_id, p_accounts);

  -- The initial sync of transactions and of each optional product Plaid enabled (billed) on the item,
  -- requested in the same transaction.
  insert into public.plaid_sync_state (item_id, product, user_id, requested_at)
  select v_item_id, p.product, p_user_id, now()
  from unnest(array['transactions', 'liabilities', 'investments']) as p(product)
  where p.product = 'transactions' or p.product = any (coalesce(p_products_billed, '{}'));

  -- The accounts as created, in Plaid's order.
  select coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name, 'mask', pa.mask, 'type', a.type,
                                               'subtype', a.subtype) order by x.n), '[]'::jsonb)
    into v_accounts
  from jsonb_array_elements(p_accounts) with ordinality as x(account, n)
  join public.plaid_accounts pa on pa.plaid_account_id = x.account ->> 'account_id' and pa.item_id = v_item_id
  join public.accounts a on a.id = pa.account_id;

  return jsonb_build_object('id', v_item_id, 'institution_id', p_institution_id, 'institution_name', p_institution_name,
                            'status', 'healthy', 'accounts', v_accounts);
end
$$;
comment on function private.create_plaid_item(uuid, text, text, text, text, text[], text[], text, timestamptz, jsonb) is
  'Creates an item with its Vault token, accounts and initial sync requests in one transaction; NF409 on a duplicate.';
revoke all on function private.create_plaid_item(uuid, text, text, text, text, text[], text[], text, timestamptz, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.create_plaid_item(uuid, text, text, text, text, text[], text[], text, timestamptz, jsonb) to service_role;

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

-- Removes an item here (after /item/remove at Plaid). Keeping history turns its accounts into manual
-- accounts and detaches its transactions from the item before the delete cascades; the item's delete
-- trigger removes its Vault secret. Returns the number of accounts kept.
create or replace function private.remove_plaid_item(p_item_id uuid, p_keep_history boolean)
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
    update public.accounts a set source = 'manual'
    from public.plaid_accounts pa
    where pa.user_id = v_user_id and pa.item_id = p_item_id and a.user_id = v_user_id and a.id = pa.account_id;
    get diagnostics v_kept = row_count;
    update public.transactions t set item_id = null where t.user_id = v_user_id and t.item_id = p_item_id;
  end if;
  delete from public.plaid_items where id = p_item_id;
  return v_kept;
end
$$;
comment on function private.remove_plaid_item(uuid, boolean) is
  'Deletes an item (cascading its Plaid data and Vault secret), optionally keeping its accounts and transactions as manual.';
revoke all on function private.remove_plaid_item(uuid, boolean) from public, anon, authenticated, service_role;
grant execute on function private.remove_plaid_item(uuid, boolean) to service_role;
