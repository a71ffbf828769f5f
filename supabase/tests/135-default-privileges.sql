-- A function created later, in any schema, by the role migrations run as, is executable by nobody
-- but its owner until a grant says so: the global default privilege (supabase/schemas/00_private.sql)
-- takes EXECUTE away from PUBLIC, and so from anon and authenticated.
begin;
select plan(10);

select is(
  (select count(*)::int from pg_default_acl d
   where d.defaclrole = 'postgres'::regrole and d.defaclnamespace = 0 and d.defaclobjtype = 'f'
     and not exists (select 1 from aclexplode(d.defaclacl) a where a.grantee = 0)),
  1, 'postgres has a global default for functions that grants nothing to PUBLIC');

-- As the migration role would, later: one function in the exposed schema, one in a new schema the
-- Data API roles may use.
set local role postgres;
create function public.later_added_function() returns int language sql as 'select 1';
create schema later_added_schema;
grant usage on schema later_added_schema to anon, authenticated;
create function later_added_schema.helper() returns int language sql as 'select 2';
reset role;

select ok(not has_function_privilege('anon', 'public.later_added_function()', 'execute'), 'anon cannot execute a new function in public');
select ok(not has_function_privilege('authenticated', 'public.later_added_function()', 'execute'), 'authenticated cannot execute a new function in public');
select ok(not has_function_privilege('anon', 'later_added_schema.helper()', 'execute'), 'anon cannot execute a new function in a new schema');
select ok(not has_function_privilege('authenticated', 'later_added_schema.helper()', 'execute'), 'authenticated cannot execute a new function in a new schema');
select ok(has_function_privilege('postgres', 'later_added_schema.helper()', 'execute'), 'its owner can');

set local role anon;
select throws_ok('select public.later_added_function()', '42501', null, 'calling it as anon is refused');
reset role;
set local role authenticated;
select throws_ok('select later_added_schema.helper()', '42501', null, 'calling it as authenticated is refused');
reset role;

-- A grant is what opens it, and only to whom it names.
grant execute on function later_added_schema.helper() to authenticated;
set local role authenticated;
select is(later_added_schema.helper(), 2, 'authenticated can once granted');
reset role;
select ok(not has_function_privilege('anon', 'later_added_schema.helper()', 'execute'), 'anon still cannot');

select * from finish();
rollback;
