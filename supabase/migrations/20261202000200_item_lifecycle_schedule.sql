-- Hand-written: the pg_cron job of the item lifecycle (supabase/schemas/15_item_removals.sql and
-- 72_item_status.sql): every minute, status checks and Plaid removals whose call was lost or whose
-- retry is due are dispatched again, and old removal tombstones pruned. cron.schedule replaces a job of
-- the same name, so re-running this is harmless.
select cron.schedule('nestfolio-item-lifecycle', '* * * * *', 'select private.sweep_item_lifecycle()');
