-- The data model's structure and privileges, checked from the catalogs so that a table, column or
-- function added later is covered too: RLS on every table, every foreign key indexed, money columns
-- numeric, functions with a fixed search_path, no security definer in exposed schemas, views
-- security_invoker, and grants per role exactly as designed.
begin;
select plan(47);

-- Tables and RLS -------------------------------------------------------------------------------------
select tests.rls_enabled('public');
select tables_are('public', array[
  'plaid_items', 'accounts', 'plaid_accounts', 'transactions', 'liabilities', 'securities', 'holdings',
  'investment_transactions', 'plaid_sync_state', 'sync_runs', 'webhook_events', 'quarantined_records', 'balance_history',
  'account_links'
], 'the data model''s tables');
select views_are('public', array['account_overview', 'item_overview', 'net_worth', 'net_worth_accounts'], 'the read model''s views');
select is(
  (select count(*)::int from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and c.relforcerowsecurity),
  0, 'no table forces RLS on its owner (the functions connect as postgres, the owner)');
select is(
  (select count(*)::int from tests.data_model_tables() t
   where not exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = t and p.cmd = 'SELECT')),
  0, 'every table has a SELECT policy');
select is(
  (select count(*)::int from pg_policies p where p.schemaname = 'public' and p.roles <> '{authenticated}'),
  0, 'every policy is for authenticated only');
select is(
  (select count(*)::int from pg_policies p
   where p.schemaname = 'public'
     and coalesce(p.qual, '') || coalesce(p.with_check, '') !~ '\( SELECT auth\.uid\(\) AS uid\)'),
  0, 'every policy compares with (select auth.uid()), evaluated once per statement');
select is(
  (select count(*)::int from pg_policies p
   where p.schemaname = 'public' and coalesce(p.qual, '') || coalesce(p.with_check, '') ~ 'auth\.uid\(\) = |= auth\.uid\(\)'),
  0, 'no policy calls auth.uid() per row');
select is(
  (select array_agg(p.tablename || ':' || p.cmd order by p.tablename, p.cmd) from pg_policies p
   where p.schemaname = 'public' and p.cmd <> 'SELECT'),
  array['accounts:DELETE', 'accounts:INSERT', 'accounts:UPDATE']::text[],
  'only accounts have write policies');
select is(
  (select count(*)::int from tests.data_model_tables() t
   where t <> 'webhook_events'
     and not exists (select 1 from information_schema.columns c
                     where c.table_schema = 'public' and c.table_name = t and c.column_name = 'user_id' and c.is_nullable = 'NO')),
  0, 'every table (except the webhook log, which may hold unknown items) carries a non-null user_id for single-table RLS');

-- Views ----------------------------------------------------------------------------------------------
select is(
  (select count(*)::int from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind = 'v'
     and not coalesce(c.reloptions @> array['security_invoker=true'], false)),
  0, 'every view is security_invoker (RLS of the caller applies)');

-- Keys and indexes -----------------------------------------------------------------------------------
select is(
  (select array_agg(format('%s.%s', c.conrelid::regclass, c.conname) order by format('%s.%s', c.conrelid::regclass, c.conname))
   from pg_constraint c
   where c.contype = 'f' and c.connamespace = 'public'::regnamespace
     and not exists (
       select 1 from pg_index i
       where i.indrelid = c.conrelid
         and (string_to_array(i.indkey::text, ' ')::smallint[])[1:array_length(c.conkey, 1)] = c.conkey)),
  null, 'every foreign key is covered by an index (leading columns)');
select is(
  (select count(*)::int from tests.data_model_tables() t
   where not exists (select 1 from pg_constraint c where c.conrelid = ('public.' || t)::regclass and c.contype = 'p')),
  0, 'every table has a primary key');
select col_is_pk('public', 'plaid_sync_state', array['item_id', 'product'], 'sync state is keyed by (item, product)');
select fk_ok('public', 'plaid_items', 'user_id', 'auth', 'users', 'id');
select fk_ok('public', 'accounts', 'user_id', 'auth', 'users', 'id');
select fk_ok('public', 'plaid_accounts', array['user_id', 'item_id'], 'public', 'plaid_items', array['user_id', 'id']);
select fk_ok('public', 'plaid_accounts', array['user_id', 'account_id'], 'public', 'accounts', array['user_id', 'id']);
select fk_ok('public', 'transactions', array['user_id', 'account_id'], 'public', 'accounts', array['user_id', 'id']);
select fk_ok('public', 'transactions', array['user_id', 'item_id'], 'public', 'plaid_items', array['user_id', 'id']);
select fk_ok('public', 'holdings', array['user_id', 'security_id'], 'public', 'securities', array['user_id', 'id']);
select has_index('public', 'transactions', 'transactions_user_id_date_idx', array['user_id', 'date', 'id'],
  'transactions: index for a user''s transactions by date');
select has_index('public', 'transactions', 'transactions_user_id_account_id_date_idx', array['user_id', 'account_id', 'date', 'id'],
  'transactions: index for an account''s transactions by date');
select is(
  (select array_agg(format('%s.%s %s', c.conrelid::regclass, c.conname, c.confdeltype) order by c.conname)
   from pg_constraint c
   where c.contype = 'f' and c.connamespace = 'public'::regnamespace and c.confrelid = 'public.plaid_items'::regclass
     and c.confdeltype <> 'c'),
  array['webhook_events.webhook_events_item_fkey n']::text[],
  'everything referencing an item cascades from it, except the webhook log (set null)');
select col_is_unique('public', 'plaid_items', array['plaid_item_id'], 'plaid_items.plaid_item_id is unique');
select col_is_unique('public', 'plaid_items', array['access_token_secret_id'], 'plaid_items.access_token_secret_id is unique');
select col_is_unique('public', 'plaid_accounts', array['plaid_account_id'], 'plaid_accounts.plaid_account_id is unique');
select col_is_unique('public', 'transactions', array['plaid_transaction_id'], 'transactions.plaid_transaction_id is unique');
select col_is_unique('public', 'webhook_events', array['body_sha256'], 'webhook_events.body_sha256 is unique');

-- Money ----------------------------------------------------------------------------------------------
select is(
  (select array_agg(format('%s.%s %s', c.table_name, c.column_name, c.data_type) order by c.table_name, c.column_name)
   from information_schema.columns c
   join tests.data_model_tables() t on t = c.table_name
   where c.table_schema = 'public'
     and c.column_name ~ '(amount|balance|price|value|limit|cost|fees|paid|principal|quantity|interest)'
     and c.column_name !~ '(_at|_as_of|_date)$'
     and c.data_type <> 'numeric'),
  null, 'every money/quantity column is numeric');
select ok(
  (select count(*) from information_schema.columns c join tests.data_model_tables() t on t = c.table_name
   where c.table_schema = 'public' and c.column_name ~ '(amount|balance|price|value|limit|cost|fees)'
     and c.column_name !~ '(_at|_as_of|_date)$') >= 18,
  'the money check sees the money columns');
select is(
  (select count(*)::int from information_schema.columns c
   where c.table_schema in ('public', 'private') and c.data_type in ('real', 'double precision', 'money')),
  0, 'no float or money-typed column anywhere');

-- Functions ------------------------------------------------------------------------------------------
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p
   where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
     and not coalesce(p.proconfig @> array['search_path=""'], false)),
  null, 'every function in public and private has search_path = ''''');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p
   where p.pronamespace = 'public'::regnamespace and p.prosecdef),
  null, 'no security definer function in the exposed schema');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p
   where p.pronamespace = 'private'::regnamespace and p.prosecdef and p.proowner <> 'postgres'::regrole),
  null, 'security definer functions are owned by postgres');
-- The item lifecycle and the sync engine have private functions of their own: only the data model's are listed.
select ok(
  (select count(*) from pg_proc p where p.pronamespace = 'private'::regnamespace and p.proname = any (array[
    'set_updated_at', 'accounts_guard_user_writes', 'delete_unmapped_synced_account', 'item_access_token_secret_name',
    'store_item_access_token', 'read_item_access_token', 'delete_item_token_secret', 'upsert_item_accounts',
    'link_plaid_account_to_manual'])) = 9,
  'the data model''s private functions exist');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p
   where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
     and has_function_privilege('public', p.oid, 'execute')),
  null, 'no function is executable by PUBLIC');

-- Grants ---------------------------------------------------------------------------------------------
select is(
  (select count(*)::int from information_schema.role_table_grants g
   where g.grantee = 'anon' and g.table_schema in ('public', 'private'))
  + (select count(*)::int from information_schema.role_column_grants g
     where g.grantee = 'anon' and g.table_schema in ('public', 'private'))
  + (select count(*)::int from pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace) and has_function_privilege('anon', p.oid, 'execute')),
  0, 'anon has no privilege on any table, view, column or function');
select ok(not has_schema_privilege('anon', 'private', 'usage'), 'anon cannot use the private schema');
select is(
  (select array_agg(format('%s %s', g.table_name, g.privilege_type) order by g.table_name, g.privilege_type) from information_schema.role_table_grants g
   where g.grantee = 'authenticated' and g.table_schema = 'public' and g.privilege_type <> 'SELECT'),
  array['accounts DELETE']::text[], 'authenticated: the only table-wide write privilege is DELETE on accounts (RLS: manual only)');
select is(
  (select array_agg(c.column_name::text order by c.column_name::text) from information_schema.column_privileges c
   where c.grantee = 'authenticated' and c.table_schema = 'public' and c.table_name = 'accounts' and c.privilege_type = 'UPDATE'),
  array['available_balance', 'closed_at', 'credit_limit', 'currency', 'current_balance', 'display_name', 'exclude_from_totals',
        'hidden', 'name', 'subtype', 'type', 'unofficial_currency_code']::text[],
  'authenticated may update only the user-editable account columns (never user_id, source, timestamps)');
select ok(not has_column_privilege('authenticated', 'public.plaid_items', 'access_token_secret_id', 'select'),
  'authenticated cannot read plaid_items.access_token_secret_id');
select ok(not has_column_privilege('authenticated', 'public.webhook_events', 'payload', 'select'),
  'authenticated cannot read webhook payloads');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p
   where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace) and has_function_privilege('authenticated', p.oid, 'execute')),
  array['account_balance_history(uuid,date,date)', 'link_plaid_account_to_manual(uuid,uuid)', 'net_worth_history(date,date)',
        'private.is_iso_4217_currency(text)', 'private.link_plaid_account_to_manual(uuid,uuid)', 'private.unlink_account(uuid)',
        'unlink_account(uuid)']::text[],
  'authenticated executes only the account-linking RPCs (and their private implementations), the history read model (security invoker) and the currency check its account writes run');
select ok(
  (select bool_and(has_function_privilege('service_role', f, 'execute')) from unnest(array[
    'private.store_item_access_token(uuid,text)', 'private.read_item_access_token(uuid)']::regprocedure[]) f),
  'service_role executes the two token functions');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p
   where p.pronamespace = 'private'::regnamespace
     and (p.prorettype = 'trigger'::regtype
          or p.proname in ('item_access_token_secret_name', 'upsert_item_accounts', 'link_plaid_account_to_manual'))
     and has_function_privilege('service_role', p.oid, 'execute')),
  null, 'service_role cannot call trigger functions or internal helpers directly');
select is(
  (select count(*)::int from tests.data_model_tables() t
   where not (has_table_privilege('service_role', 'public.' || t, 'select') and has_table_privilege('service_role', 'public.' || t, 'insert')
          and has_table_privilege('service_role', 'public.' || t, 'update') and has_table_privilege('service_role', 'public.' || t, 'delete'))
      or has_table_privilege('service_role', 'public.' || t, 'truncate')),
  0, 'service_role has explicit select/insert/update/delete (and no truncate) on every table');

select * from finish();
rollback;
