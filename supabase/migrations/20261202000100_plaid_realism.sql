-- Plaid realism (issue 14): what the product must do differently once the local Plaid emulator behaves as
-- Plaid does by default. One file for the lead to fold into supabase/schemas/ at merge; each change says why.

-- 1. The initial import is complete only when Plaid says the history is there.
-- A new Item's first /transactions/sync usually answers transactions_update_status NOT_READY with no data
-- and has_more false (Plaid's Transactions guide: "it is common that no transactions will be returned
-- during this first call"); INITIAL_UPDATE_COMPLETE then brings the last 30 days and
-- HISTORICAL_UPDATE_COMPLETE the full history, each announced by SYNC_UPDATES_AVAILABLE. The page function
-- marked initial_sync_done on the first page without has_more, so the read model said "imported" for an
-- Item with no transactions yet. Now it waits for HISTORICAL_UPDATE_COMPLETE (or Plaid's
-- TRANSACTIONS_UPDATE_STATUS_UNKNOWN, after which Plaid tells nothing more; a page without the field, as
-- older API versions send, counts as complete). Otherwise the same as 20261124003000's function.
create or replace function private.apply_transactions_page(
  p_item_id uuid, p_lease_id uuid, p_run_id uuid, p_page jsonb, p_loop_start_cursor text, p_lease_seconds integer
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.plaid_sync_state := private.hold_lease(p_item_id, 'transactions', p_lease_id, p_lease_seconds);
  v_user uuid := v_state.user_id;
  v_has_more boolean := coalesce((p_page ->> 'has_more')::boolean, false);
  v_inserted integer := 0;
  v_deleted integer := 0;
  v_added integer := jsonb_array_length(coalesce(p_page -> 'added', '[]'::jsonb));
  v_modified integer := jsonb_array_length(coalesce(p_page -> 'modified', '[]'::jsonb));
  v_removed integer := jsonb_array_length(coalesce(p_page -> 'removed', '[]'::jsonb));
begin
  perform private.upsert_item_accounts(p_item_id, v_user, p_page -> 'accounts');

  with rows as (
    select t.* from jsonb_to_recordset(coalesce(p_page -> 'added', '[]'::jsonb) || coalesce(p_page -> 'modified', '[]'::jsonb))
      as t(transaction_id text, account_id text, amount numeric, iso_currency_code text, unofficial_currency_code text,
           date date, authorized_date date, datetime timestamptz, authorized_datetime timestamptz, name text,
           merchant_name text, merchant_entity_id text, logo_url text, website text, pending boolean,
           pending_transaction_id text, personal_finance_category jsonb, payment_channel text, transaction_code text,
           original_description text, check_number text, location jsonb, counterparties jsonb)
  ), upserted as (
    insert into public.transactions as tx (user_id, account_id, item_id, plaid_transaction_id, amount, iso_currency_code,
      unofficial_currency_code, date, authorized_date, datetime, authorized_datetime, name, merchant_name,
      merchant_entity_id, logo_url, website, pending, pending_transaction_id, pfc_primary, pfc_detailed, pfc_confidence,
      payment_channel, transaction_code, original_description, check_number, location, counterparties)
    select v_user, pa.account_id, p_item_id, r.transaction_id, r.amount, r.iso_currency_code, r.unofficial_currency_code,
      r.date, r.authorized_date, r.datetime, r.authorized_datetime, r.name, r.merchant_name, r.merchant_entity_id,
      r.logo_url, r.website, coalesce(r.pending, false), r.pending_transaction_id,
      r.personal_finance_category ->> 'primary', r.personal_finance_category ->> 'detailed',
      r.personal_finance_category ->> 'confidence_level', r.payment_channel, r.transaction_code, r.original_description,
      r.check_number, r.location, r.counterparties
    from rows r
    join public.plaid_accounts pa on pa.plaid_account_id = r.account_id and pa.user_id = v_user and pa.item_id = p_item_id
    on conflict (plaid_transaction_id) do update set
      account_id = excluded.account_id, amount = excluded.amount, iso_currency_code = excluded.iso_currency_code,
      unofficial_currency_code = excluded.unofficial_currency_code, date = excluded.date,
      authorized_date = excluded.authorized_date, datetime = excluded.datetime,
      authorized_datetime = excluded.authorized_datetime, name = excluded.name, merchant_name = excluded.merchant_name,
      merchant_entity_id = excluded.merchant_entity_id, logo_url = excluded.logo_url, website = excluded.website,
      pending = excluded.pending, pending_transaction_id = excluded.pending_transaction_id,
      pfc_primary = excluded.pfc_primary, pfc_detailed = excluded.pfc_detailed, pfc_confidence = excluded.pfc_confidence,
      payment_channel = excluded.payment_channel, transaction_code = excluded.transaction_code,
      original_description = excluded.original_description, check_number = excluded.check_number,
      location = excluded.location, counterparties = excluded.counterparties
    -- A Plaid id belongs to one user's item: never let another item's data overwrite a row.
    where tx.user_id = excluded.user_id and tx.item_id is not distinct from excluded.item_id
    returning (xmax = 0) as inserted
  )
  select count(*) filter (where inserted) into v_inserted from upserted;

  delete from public.transactions t
  using jsonb_to_recordset(coalesce(p_page -> 'removed', '[]'::jsonb)) as r(transaction_id text)
  where t.user_id = v_user and t.item_id = p_item_id and t.plaid_transaction_id = r.transaction_id;
  get diagnostics v_deleted = row_count;

  update public.plaid_sync_state s set
    cursor = p_page ->> 'next_cursor',
    has_more = v_has_more,
    -- Kept while a pagination loop is open: Plaid's restart point after a mutation during pagination.
    loop_start_cursor = case when v_has_more then p_loop_start_cursor end,
    transactions_total = greatest(0, s.transactions_total + v_inserted - v_deleted),
    initial_sync_done = s.initial_sync_done or (not v_has_more
      and coalesce(p_page ->> 'transactions_update_status', 'HISTORICAL_UPDATE_COMPLETE')
          in ('HISTORICAL_UPDATE_COMPLETE', 'TRANSACTIONS_UPDATE_STATUS_UNKNOWN'))
  where s.item_id = p_item_id and s.product = 'transactions';

  update public.sync_runs r set added = r.added + v_added, modified = r.modified + v_modified,
    removed = r.removed + v_removed, pages = r.pages + 1,
    plaid_request_ids = r.plaid_request_ids || array[p_page ->> 'request_id']
  where r.id = p_run_id;

  return jsonb_build_object('has_more', v_has_more, 'next_cursor', p_page ->> 'next_cursor',
    'added', v_added, 'modified', v_modified, 'removed', v_removed, 'stored', v_inserted - v_deleted);
end
$$;
comment on function private.apply_transactions_page(uuid, uuid, uuid, jsonb, text, integer) is
  'Applies one /transactions/sync page (upserts, deletes, balances, new accounts) and advances the cursor in one transaction, under the run''s lease; the initial import is done once Plaid reports HISTORICAL_UPDATE_COMPLETE.';
