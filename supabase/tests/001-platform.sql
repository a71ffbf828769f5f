-- The local platform stand-ins behave as the hosted platform: auth helpers, Vault privileges and
-- encryption at rest, and pg_net requests executed asynchronously by the worker after commit.

-- pg_net sends only after commit, so enqueue outside the test transaction.
select net.http_post(
  url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/health',
  body := '{"probe": "pgtap"}'::jsonb) as health_request \gset

begin;
select plan(17);

-- auth.uid() / auth.role() / auth.jwt() read request.jwt.claims like on the platform.
select set_config('request.jwt.claims', '{"sub": "3f0c5bd6-1f5a-4a57-9d4c-52b1a3c2f001", "role": "authenticated", "email": "a@x.dev"}', true);
select is(auth.uid(), '3f0c5bd6-1f5a-4a57-9d4c-52b1a3c2f001'::uuid, 'auth.uid() returns the claims'' sub');
select is(auth.role(), 'authenticated', 'auth.role() returns the claims'' role');
select is(auth.jwt() ->> 'email', 'a@x.dev', 'auth.jwt() returns the claims');
select set_config('request.jwt.claims', '', true);
select is(auth.uid(), null, 'auth.uid() is null without claims');

-- Vault: encrypted at rest, reachable only by postgres.
select vault.create_secret('s3cr3t-plaintext-value', 'pgtap_probe', 'probe') as probe_id \gset
select is((select decrypted_secret from vault.decrypted_secrets where name = 'pgtap_probe'), 's3cr3t-plaintext-value',
  'postgres reads the decrypted secret');
select is((select count(*)::int from vault.secrets where secret like '%s3cr3t%' or name = 's3cr3t-plaintext-value'), 0,
  'the plaintext is not stored in vault.secrets');
select vault.update_secret(:'probe_id', 'rotated-value');
select is((select decrypted_secret from vault.decrypted_secrets where id = :'probe_id'), 'rotated-value', 'update_secret rotates');

set local role authenticated;
select throws_ok('select * from vault.secrets', '42501', null, 'authenticated cannot read vault.secrets');
select throws_ok('select * from vault.decrypted_secrets', '42501', null, 'authenticated cannot read vault.decrypted_secrets');
select throws_ok($$select vault.create_secret('x')$$, '42501', null, 'authenticated cannot execute vault.create_secret');
select throws_ok($$select vault.update_secret(gen_random_uuid(), 'x')$$, '42501', null, 'authenticated cannot execute vault.update_secret');
reset role;
set local role anon;
select throws_ok('select * from vault.secrets', '42501', null, 'anon cannot read vault.secrets');
select throws_ok('select * from vault.decrypted_secrets', '42501', null, 'anon cannot read vault.decrypted_secrets');
select throws_ok($$select vault.create_secret('x')$$, '42501', null, 'anon cannot execute vault.create_secret');
select throws_ok($$select vault.update_secret(gen_random_uuid(), 'x')$$, '42501', null, 'anon cannot execute vault.update_secret');
reset role;

-- pg_net: the worker executed the committed request and recorded the function's response.
select ok(tests.wait_for_http_response(:health_request), 'the pg_net worker recorded a response');
select is((select status_code from net._http_response where id = :health_request), 200,
  'the health function answered 200 to the database''s request');

select * from finish();
rollback;
