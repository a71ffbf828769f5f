// Polling helpers for the benchmarks' own stacks (the sync runs in the background over pg_net).
import type postgres from 'postgres';

export async function waitFor(check: () => Promise<boolean>, pollMs = 5): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, pollMs));
}

/** No run holds the item's lease, nothing is requested, and the last call to plaid-sync was answered. */
export const syncIdle = (sql: postgres.Sql, itemId: string, pollMs = 20) => waitFor(async () => (await sql`
  select lease_id is null and requested_at is null
    and (last_dispatch_id is null or exists (select 1 from net._http_response r where r.id = last_dispatch_id)) as idle
  from public.plaid_sync_state where item_id = ${itemId} and product = 'transactions'`)[0]?.idle === true, pollMs);
