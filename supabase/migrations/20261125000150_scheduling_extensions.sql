-- The extensions the schedule needs, enabled as Supabase's docs do it (Dashboard → Database →
-- Extensions does the same): pg_cron in pg_catalog, pg_net in extensions. On a hosted project the
-- migration enables them; where they are already there (the local stack's bootstrap, a project that
-- enabled them by hand) this is a no-op. The local stack's pg_net is a stand-in with the same SQL API
-- but not a packaged extension, so pg_net is only created where Postgres can install it.
create extension if not exists pg_cron with schema pg_catalog;

do $$
begin
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_net')
     and not exists (select 1 from pg_catalog.pg_namespace where nspname = 'net') then
    create extension pg_net with schema extensions;
  end if;
end
$$;
