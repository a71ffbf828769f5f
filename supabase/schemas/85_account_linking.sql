-- Linking a synced account to an existing manual account, keeping the manual account's history.
--
-- public.link_plaid_account_to_manual(synced_account_id, manual_account_id) is the user RPC (both ids
-- are accounts.id values as shown by account_overview). It is SECURITY INVOKER and only calls the
-- SECURITY DEFINER implementation in `private`, which is not exposed through the Data API: a
-- security-definer function in an exposed schema is what Supabase's advisor flags, and the moves
-- below need writes users are not granted. The implementation takes the caller from auth.uid() (never
-- from an argument) and checks that both accounts belong to that caller; anything else raises before
-- any change, and everything happens in the caller's one transaction.

create or replace function private.link_plaid_account_to_manual(p_synced_account_id uuid, p_manual_account_id uuid)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_synced public.accounts%rowtype;
  v_manual public.accounts%rowtype;
  v_mapping uuid;
begin
  if v_user is null then
    raise exception 'not signed in' using errcode = '42501';
  end if;
  if p_synced_account_id is null or p_manual_account_id is null or p_synced_account_id = p_manual_account_id then
    raise exception 'two different accounts are needed' using errcode = '22023';
  end if;

  -- Lock both accounts in id order (concurrent calls cannot deadlock), then the mapping.
  perform 1 from public.accounts a
  where a.id in (p_synced_account_id, p_manual_account_id) and a.user_id = v_user
  order by a.id
  for update;

  select a.* into v_synced from public.accounts a
  where a.id = p_synced_account_id and a.user_id = v_user and a.source = 'plaid';
  select pa.id into v_mapping from public.plaid_accounts pa
  where pa.account_id = p_synced_account_id and pa.user_id = v_user
  for update;
  if v_synced.id is null or v_mapping is null then
    raise exception 'no synced account % for this user', p_synced_account_id using errcode = 'P0002';
  end if;

  select a.* into v_manual from public.accounts a
  where a.id = p_manual_account_id and a.user_id = v_user and a.source = 'manual';
  if v_manual.id is null or exists (select 1 from public.plaid_accounts pa where pa.account_id = p_manual_account_id) then
    raise exception 'no manual account % for this user', p_manual_account_id using errcode = 'P0002';
  end if;

  -- Everything the synced account holds moves to the manual account ...
  update public.transactions t set account_id = v_manual.id
  where t.user_id = v_user and t.account_id = v_synced.id;
  update public.holdings h set account_id = v_manual.id
  where h.user_id = v_user and h.account_id = v_synced.id;
  update public.investment_transactions it set account_id = v_manual.id
  where it.user_id = v_user and it.account_id = v_synced.id;
  update public.liabilities l set account_id = v_manual.id
  where l.user_id = v_user and l.account_id = v_synced.id;
  -- ... Plaid now feeds the manual account ...
  update public.plaid_accounts pa set account_id = v_manual.id where pa.id = v_mapping;
  -- ... which becomes a synced account: Plaid's name, type and (when known) balances; the user's
  -- name stays visible as display_name.
  update public.accounts a set
    source = 'plaid',
    linked_at = pg_catalog.now(),
    display_name = coalesce(a.display_name, a.name),
    name = v_synced.name,
    type = v_synced.type,
    subtype = v_synced.subtype,
    current_balance = case when v_synced.balance_updated_at is not null then v_synced.current_balance else a.current_balance end,
    available_balance = case when v_synced.balance_updated_at is not null then v_synced.available_balance else a.available_balance end,
    credit_limit = case when v_synced.balance_updated_at is not null then v_synced.credit_limit else a.credit_limit end,
    currency = case when v_synced.balance_updated_at is not null then v_synced.currency else a.currency end,
    unofficial_currency_code = case when v_synced.balance_updated_at is not null then v_synced.unofficial_currency_code else a.unofficial_currency_code end,
    balance_updated_at = coalesce(v_synced.balance_updated_at, a.balance_updated_at)
  where a.id = v_manual.id;
  -- ... and the synced account, now empty, goes.
  delete from public.accounts a where a.id = v_synced.id;
  return v_manual.id;
end
$$;
comment on function private.link_plaid_account_to_manual(uuid, uuid) is
  'Implementation of public.link_plaid_account_to_manual (caller = auth.uid(); both accounts must be the caller''s).';
revoke all on function private.link_plaid_account_to_manual(uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function private.link_plaid_account_to_manual(uuid, uuid) to authenticated;

create or replace function public.link_plaid_account_to_manual(synced_account_id uuid, manual_account_id uuid)
returns uuid
language sql
security invoker
set search_path = ''
as $$
  select private.link_plaid_account_to_manual(synced_account_id, manual_account_id)
$$;
comment on function public.link_plaid_account_to_manual(uuid, uuid) is
  'Links the caller''s synced account to one of their manual accounts: its transactions, holdings and liabilities move to the manual account, Plaid then feeds the manual account, and the synced account row is deleted. Returns the manual account id. Errors (nothing changed) for ids that are not the caller''s.';
revoke all on function public.link_plaid_account_to_manual(uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function public.link_plaid_account_to_manual(uuid, uuid) to authenticated;
