-- Access tokens live only in Vault, reachable only through the private token functions, which only
-- service_role (and postgres) may execute; every path that drops an item or its secret id deletes the
-- secret; a secret is bound to its item by name.
begin;
select plan(32);

select tests.seed_connected_user('tok_a') as a \gset
select (:'a'::jsonb ->> 'item_id') as item, (:'a'::jsonb ->> 'tag') as tag, (:'a'::jsonb ->> 'user_id') as a_user \gset
select access_token_secret_id as secret_id from public.plaid_items where id = :'item' \gset

-- Stored in Vault, encrypted; the item row holds only the secret id ------------------------------------
select is(private.read_item_access_token(:'item'), 'access-sandbox-' || :'tag', 'the token reads back through the function');
select is((select name from vault.secrets where id = :'secret_id'), 'plaid_access_token:' || :'item', 'the secret is named after its item');
select is((select count(*)::int from vault.secrets where secret like '%access-sandbox%'), 0, 'Vault holds only ciphertext');
select is(
  (select count(*)::int from public.plaid_items i where to_jsonb(i)::text like '%access-sandbox%'), 0,
  'no column of plaid_items holds the token');
select isnt(:'secret_id'::uuid, null::uuid, 'the item records its secret id');

-- store: once per item, a non-empty token, an existing item ------------------------------------------
select throws_ok(format($$select private.store_item_access_token(%L, 'access-sandbox-second')$$, :'item'),
  '23505', format('plaid item %s already has an access token', :'item'),
  'store refuses a second token for the same item (and the message names no token)');
select throws_ok(format($$select private.store_item_access_token(%L, '  ')$$, :'item'), '22023', null, 'store refuses an empty token');
select throws_ok($$select private.store_item_access_token(gen_random_uuid(), 'access-sandbox-x')$$, 'P0002', null,
  'store refuses an unknown item');
select is((select count(*)::int from vault.secrets where name = 'plaid_access_token:' || :'item'), 1,
  'failed stores leave exactly one secret');

-- Privileges ----------------------------------------------------------------------------------------------
select tests.authenticate_as('tok_a');
select throws_ok(format($$select private.read_item_access_token(%L)$$, :'item'), '42501', null,
  'the item''s owner cannot read the token');
select throws_ok(format($$select private.store_item_access_token(%L, 'x')$$, :'item'), '42501', null, 'authenticated cannot store');
select throws_ok($$select * from vault.secrets$$, '42501', null, 'authenticated cannot read vault.secrets');
select throws_ok($$select * from vault.decrypted_secrets$$, '42501', null, 'authenticated cannot read vault.decrypted_secrets');
select throws_ok($$select access_token_secret_id from public.plaid_items$$, '42501', null,
  'authenticated cannot read the secret id column');
select lives_ok($$select id, status, institution_name from public.plaid_items$$, 'authenticated reads the other item columns');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(format($$select private.read_item_access_token(%L)$$, :'item'), '42501', null, 'anon cannot read the token');
select throws_ok($$select * from vault.decrypted_secrets$$, '42501', null, 'anon cannot read Vault');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is(private.read_item_access_token(:'item'), 'access-sandbox-' || :'tag', 'service_role reads the token through the function');
select throws_ok($$select * from vault.decrypted_secrets$$, '42501', null, 'service_role cannot read Vault directly');
select tests.clear_authentication();

-- Binding: a secret id that is not the item's own secret is neither read nor deleted --------------------
select vault.create_secret('project-secret-value', 'tok_test_project_secret') as other_secret \gset
update public.plaid_items set access_token_secret_id = :'other_secret' where id = :'item';
select is((select count(*)::int from vault.secrets where id = :'secret_id'), 0,
  'replacing an item''s secret id deletes its previous secret');
select is(private.read_item_access_token(:'item'), null, 'a foreign secret id reads as no token');
select is((select decrypted_secret from vault.decrypted_secrets where id = :'other_secret'), 'project-secret-value',
  'the foreign secret is untouched');
update public.plaid_items set access_token_secret_id = :'other_secret' where id = :'item';
delete from public.plaid_items where id = :'item';
select is((select count(*)::int from vault.secrets where id = :'other_secret'), 1,
  'deleting an item never deletes a secret that is not its own');

-- Clearing the secret id ------------------------------------------------------------------------------------
select tests.seed_connected_user('tok_b') ->> 'item_id' as item_b \gset
select access_token_secret_id as secret_b from public.plaid_items where id = :'item_b' \gset
update public.plaid_items set access_token_secret_id = null where id = :'item_b';
select is((select count(*)::int from vault.secrets where id = :'secret_b'), 0, 'clearing an item''s secret id deletes its secret');
select is(private.read_item_access_token(:'item_b'), null, 'no token reads as null');
select isnt(private.store_item_access_token(:'item_b', 'access-sandbox-new'), null, 'a token can be stored again after clearing');
select is(private.read_item_access_token(:'item_b'), 'access-sandbox-new', 'the new token reads back');

-- Every path that removes an item removes its secret -------------------------------------------------------
select tests.seed_connected_user('tok_c') as c \gset
select access_token_secret_id as secret_c from public.plaid_items where id = (:'c'::jsonb ->> 'item_id')::uuid \gset
select tests.authenticate_as_service_role();
select is(tests.affected_rows(format($$delete from public.plaid_items where id = %L$$, :'c'::jsonb ->> 'item_id')), 1,
  'service_role deletes an item (it has no Vault access itself)');
select tests.clear_authentication();
select is((select name from vault.secrets where id = :'secret_c'),
  (select private.removal_token_secret_name(r.id) from private.plaid_item_removals r where r.access_token_secret_id = :'secret_c'),
  'deleting the item hands its secret to the Plaid removal queue (the token outlives the row until Plaid removed the Item)');

select tests.seed_connected_user('tok_d') as d \gset
select access_token_secret_id as secret_d from public.plaid_items where id = (:'d'::jsonb ->> 'item_id')::uuid \gset
delete from auth.users where id = (:'d'::jsonb ->> 'user_id')::uuid;
select is((select count(*)::int from public.plaid_items where user_id = (:'d'::jsonb ->> 'user_id')::uuid), 0,
  'deleting the user deletes their items');
select is((select reason from private.plaid_item_removals where access_token_secret_id = :'secret_d'), 'user_deleted',
  'deleting the user queues the Item''s removal at Plaid with its secret');
select is(
  (select count(*)::int from vault.secrets s where s.name like 'plaid_access_token:%'
   and not exists (select 1 from public.plaid_items i where i.access_token_secret_id = s.id)),
  0, 'no orphan access-token secret in Vault');

select * from finish();
rollback;
