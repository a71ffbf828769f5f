-- Hand-written: what a schema diff cannot express; everything else is in the baseline, generated from
-- supabase/schemas.
--   * The extensions the schedule needs, enabled as Supabase's docs do it (Dashboard → Database →
--     Extensions does the same): pg_cron in pg_catalog, pg_net in extensions. Where they are already
--     there (the local stack's bootstrap, a project that enabled them by hand) this is a no-op. The
--     local stack's pg_net is a stand-in with the same SQL API but not a packaged extension, so pg_net
--     is only created where Postgres can install it.
--   * The one row of private.sync_settings (its columns' defaults; README § Configuration).
--   * The pg_cron jobs: the sweep every minute, the retention job once a day. cron.schedule replaces a
--     job of the same name, so re-running this is harmless.
create extension if not exists pg_cron with schema pg_catalog;

do $$
begin
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_net')
     and not exists (select 1 from pg_catalog.pg_namespace where nspname = 'net') then
    create extension pg_net with schema extensions;
  end if;
end
$$;

insert into private.sync_settings default values on conflict (id) do nothing;

select cron.schedule('nestfolio-sync-sweep', '* * * * *', 'select private.sweep_syncs()');
select cron.schedule('nestfolio-prune-sync-logs', '17 3 * * *', 'select private.prune_sync_logs()');
