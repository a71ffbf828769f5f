-- One lock order for everything that writes an item's rows: the item's sync state rows first, then its
-- runs and the item itself. Sync pages, claims and finishes already lock the state first; item removal
-- locked the item first and could deadlock with a page in flight (seen under concurrent webhooks). And a
-- sync requested or claimed for an item being removed ends quietly instead of failing on its foreign key.

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

create or replace function private.request_sync(p_item_id uuid, p_product text, p_trigger text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state;
  v_status text;
begin
  select i.status into v_status from public.plaid_items i where i.id = p_item_id;
  if not found then
    return false;
  end if;
  insert into public.plaid_sync_state as s (item_id, product, user_id, requested_at)
  select i.id, p_product, i.user_id, now() from public.plaid_items i where i.id = p_item_id
  on conflict (item_id, product) do update
    set requested_at = coalesce(s.requested_at, now()),
        -- A fresh request from a person or Plaid is worth trying now, whatever the backoff said.
        next_attempt_at = case when p_trigger in ('manual', 'webhook', 'initial') then null else s.next_attempt_at end,
        rerun_requested = s.rerun_requested or (s.lease_id is not null and s.lease_expires_at > now())
  returning * into v_state;
  if v_state.lease_id is not null and v_state.lease_expires_at > now() then
    return false; -- the running pass picks it up (rerun_requested)
  end if;
  if not private.item_is_syncable(v_status) then
    return false;
  end if;
  perform private.dispatch_sync(p_item_id, p_product, p_trigger);
  return true;
exception when foreign_key_violation then
  return false; -- the item was removed while the request was being recorded
end
$$;
