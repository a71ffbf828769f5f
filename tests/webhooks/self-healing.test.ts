// The sweep heals what the direct path loses. Each case builds the exact database state the failure
// leaves behind (a pg_net request that never left, a call answered with an error, a run that died
// holding its lease), and only the passage of time is simulated (timestamps moved back).
import { describe, expect, it } from 'vitest';
import { connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { expectEqualsTruth, plaidItemId, sql, waitForIdle } from '../support/sync.ts';
import { eventually } from '../support/wait.ts';

/** An idle, fully synced item with new transactions at the bank that the database does not have yet. */
async function itemWithNewData() {
  const item = await connectItem(await newSession('self-healing'));
  await waitForIdle(item.id);
  const plaidId = await plaidItemId(item.id);
  const added = await emulator<{ transactions: Array<{ transaction_id: string }> }>('POST', `/items/${plaidId}/transactions`, {
    transactions: [{ amount: 31.4, name: 'Healed by the sweep' }],
  });
  return { itemId: item.id, newId: added.transactions[0].transaction_id };
}

const stored = async (id: string) => (await sql`select count(*)::int as n from public.transactions where plaid_transaction_id = ${id}`)[0].n;
const state = async (itemId: string) => (await sql`select * from public.plaid_sync_state where item_id = ${itemId} and product = 'transactions'`)[0];

describe('self-healing', () => {
  it('a lost pg_net request is made again by the sweep, with nothing called by hand', async () => {
    const { itemId, newId } = await itemWithNewData();
    // The request is recorded and its HTTP call lost: it never leaves the queue.
    await sql.begin(async (tx) => {
      await tx`select private.request_sync(${itemId}, 'transactions', 'manual')`;
      await tx`delete from net.http_request_queue where id = (select last_dispatch_id from public.plaid_sync_state where item_id = ${itemId} and product = 'transactions')`;
    });
    const lost = await state(itemId);
    expect(lost.requested_at).not.toBeNull();
    // lost_after (2 minutes) has passed since the call.
    await sql`update public.plaid_sync_state set last_dispatched_at = now() - interval '3 minutes' where item_id = ${itemId} and product = 'transactions'`;
    // pg_cron's next sweep, or a finishing run handing its slot on, dispatches it again.
    await eventually(() => stored(newId), (n) => n === 1, 80_000);
    await waitForIdle(itemId);
    await expectEqualsTruth(itemId, expect);
    const healed = await state(itemId);
    expect(healed.requested_at).toBeNull();
    expect(String(healed.last_dispatch_id)).not.toBe(String(lost.last_dispatch_id));
    // The run made again serves the request that was lost: it records that request's trigger.
    const runs = await sql`select trigger, outcome from public.sync_runs where item_id = ${itemId} order by started_at desc limit 1`;
    expect(runs.map((r) => ({ ...r }))).toEqual([{ trigger: 'manual', outcome: 'succeeded' }]);
  }, 90_000);

  it('pg_cron runs the sweep job every minute', async () => {
    const started = new Date();
    const [run] = await eventually(
      () => sql`select d.status, d.return_message from cron.job_run_details d join cron.job j on j.jobid = d.jobid
        where j.jobname = 'nestfolio-sync-sweep' and d.start_time >= ${started} order by d.start_time limit 1`,
      (rows) => rows.length === 1 && rows[0].status !== 'running' && rows[0].status !== 'starting', 75_000);
    expect({ ...run }).toEqual({ status: 'succeeded', return_message: 'SELECT 1' });
  }, 90_000);

  it('a call answered with an error (plaid-sync never picked it up) is made again once lost_after has passed', async () => {
    const { itemId, newId } = await itemWithNewData();
    await sql.begin(async (tx) => {
      const [{ id }] = await tx`select private.dispatch_sync(${itemId}, 'transactions', 'manual') as id`;
      await tx`update public.plaid_sync_state set requested_at = now() where item_id = ${itemId} and product = 'transactions'`;
      // What pg_net records when the platform answers 503 before the function runs.
      await tx`delete from net.http_request_queue where id = ${id}`;
      await tx`insert into net._http_response (id, status_code, content, timed_out) values (${id}, 503, 'unavailable', false)`;
    });
    await sql`select private.sweep_syncs()`; // what pg_cron runs: still in flight, not repeated yet
    expect(await stored(newId)).toBe(0);
    await sql`update public.plaid_sync_state set last_dispatched_at = now() - interval '3 minutes' where item_id = ${itemId} and product = 'transactions'`;
    await sql`select private.sweep_syncs()`;
    await eventually(() => stored(newId), (n) => n === 1);
    await waitForIdle(itemId);
    await expectEqualsTruth(itemId, expect);
  });

  it('a run that died holding the lease is superseded once the lease expires, and the sweep completes the sync', async () => {
    const { itemId, newId } = await itemWithNewData();
    // The dead run took the lease (as plaid-sync does first) and then crashed.
    const [dead] = await sql`select lease_id, run_id from private.claim_sync(${itemId}, 'transactions', 'manual', 180)`;
    // A request while it "runs" is coalesced into it: nothing is dispatched.
    const [{ dispatched }] = await sql`select private.request_sync(${itemId}, 'transactions', 'webhook') as dispatched`;
    expect(dispatched).toBe(false);
    await sql`select private.sweep_syncs()`;
    expect(await stored(newId)).toBe(0);
    // The lease runs out.
    await sql`update public.plaid_sync_state set lease_expires_at = now() - interval '1 second' where item_id = ${itemId} and product = 'transactions'`;
    await sql`select private.sweep_syncs()`;
    await eventually(() => stored(newId), (n) => n === 1);
    await waitForIdle(itemId);
    await expectEqualsTruth(itemId, expect);
    const [run] = await sql`select outcome from public.sync_runs where id = ${dead.run_id}`;
    expect(run.outcome).toBe('superseded');
  });

  it('retention removes pg_net responses older than 6 hours', async () => {
    await sql`insert into net._http_response (id, status_code, created) values (-4242, 200, now() - interval '7 hours')`;
    const [{ pruned }] = await sql`select private.prune_sync_logs() as pruned`;
    expect(pruned.http_responses).toBeGreaterThanOrEqual(1);
    expect((await sql`select count(*)::int as n from net._http_response where id = -4242`)[0].n).toBe(0);
  });
});
