// Helpers for sync tests: run plaid-sync as the scheduler does, and compare the database with the
// emulator's truth (the item's true current transaction set).
import postgres from 'postgres';
import { callFunction, emulator } from './functions.ts';
import { testStack } from './stack.ts';
import { eventually } from './wait.ts';

export const sql = postgres(testStack.adminDbUrl, { max: 4, onnotice: () => {} });

export async function plaidItemId(itemId: string): Promise<string> {
  const [r] = await sql`select plaid_item_id from public.plaid_items where id = ${itemId}`;
  return r.plaid_item_id;
}

/**
 * Waits (bounded polling of the database) until no run holds the item's lease and nothing is
 * requested: background syncs started by the exchange, webhooks or follow-ups have finished.
 */
export async function waitForIdle(itemId: string, product = 'transactions', timeoutMs = 30_000) {
  // Idle: no live lease, no pass owed, no call on its way (dispatch_token), the last pg_net call to
  // plaid-sync was answered or never made, and no request is due now. The last
  // covers the moment between two passes of one invocation: the first has released the lease and
  // the next has not claimed it yet, but finish_sync left requested_at set for it. A request waiting
  // out a backoff, or for the user (login required), is not due.
  await eventually(async () => (await sql`select (s.lease_id is null or s.lease_expires_at < now()) and not s.rerun_requested
      and s.dispatch_token is null
      and (s.last_dispatch_id is null or exists (select 1 from net._http_response r where r.id = s.last_dispatch_id))
      and not (s.requested_at is not null and (s.next_attempt_at is null or s.next_attempt_at <= now())
               and i.status in ('healthy', 'pending_expiration', 'pending_disconnect')) as idle
    from public.plaid_sync_state s join public.plaid_items i on i.id = s.item_id
    where s.item_id = ${itemId} and s.product = ${product}`)[0], (s) => !s || s.idle,
  timeoutMs, { intervalMs: 25, what: `item ${itemId} idle (no sync running or owed)` });
}

/**
 * Waits until the product has imported the item's whole history on its own: Plaid's SYNC_UPDATES_AVAILABLE
 * (for an item connected with `webhook: true`) made it sync, initial_sync_done is set (only once Plaid
 * reported HISTORICAL_UPDATE_COMPLETE), and nothing runs or is owed any more.
 */
export async function waitForImport(itemId: string, timeoutMs = 30_000) {
  await eventually(async () => (await sql`select initial_sync_done from public.plaid_sync_state
    where item_id = ${itemId} and product = 'transactions'`)[0], (s) => s?.initial_sync_done === true,
  timeoutMs, { intervalMs: 25, what: `item ${itemId} initial import done` });
  await waitForIdle(itemId);
}

type Run = { outcome: string; pages: number; run_id: string | null; error_code?: string };

/** Runs a sync in the request (wait: true), as the scheduler's call would in the background. */
export async function syncOnce(itemId: string, product = 'transactions', trigger = 'manual'): Promise<Run[]> {
  const res = await callFunction('plaid-sync', { item_id: itemId, product, trigger, wait: true }, { secretKey: true });
  if (res.status !== 200) throw new Error(`plaid-sync ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.runs as Run[];
}

/** A sync that certainly covers every change made before the call: waits out runs in flight first. */
export async function syncNow(itemId: string, product = 'transactions', trigger = 'manual'): Promise<Run[]> {
  for (let i = 0; ; i++) {
    await waitForIdle(itemId, product);
    const runs = await syncOnce(itemId, product, trigger);
    // Coalesced only because another call slipped in between: wait for it and go again.
    if (runs[0]?.outcome !== 'coalesced' || i === 5) return runs;
  }
}

/** Runs follow-up invocations until the item's transactions are fully synced. */
export async function syncToEnd(itemId: string) {
  const all = [];
  for (let i = 0; i < 50; i++) {
    const runs = await syncNow(itemId);
    all.push(...runs);
    if (runs.at(-1)?.outcome !== 'continued') return all;
  }
  throw new Error('sync did not finish in 50 invocations');
}

type TruthTx = { transaction_id: string; amount: number; pending: boolean; date: string; name: string; account_id: string; pending_transaction_id: string | null };

export async function truth(plaidId: string): Promise<TruthTx[]> {
  const out: TruthTx[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await emulator<{ total: number; transactions: TruthTx[] }>('GET', `/items/${plaidId}/transactions?offset=${offset}&limit=1000`);
    out.push(...page.transactions);
    if (out.length >= page.total || page.transactions.length === 0) return out;
  }
}

/** A transaction as compared: what the database stores of Plaid's fields. */
type Row = { transaction_id: string; amount: string; pending: boolean; date: string; name: string; account_id: string; pending_transaction_id: string | null };

export async function stored(itemId: string, db: postgres.Sql | postgres.TransactionSql = sql): Promise<Row[]> {
  return (await db`
    select t.plaid_transaction_id as transaction_id, t.amount::text as amount, t.pending, t.date::text as date, t.name,
           pa.plaid_account_id as account_id, t.pending_transaction_id
    from public.transactions t join public.plaid_accounts pa on pa.account_id = t.account_id
    where t.item_id = ${itemId} order by t.plaid_transaction_id`).map((r) => ({ ...r }) as Row);
}

/** A Plaid transaction (the truth, or a sync page's) as the database would store it. */
const asRow = (t: TruthTx): Row => ({
  transaction_id: t.transaction_id, amount: Number(t.amount).toFixed(4), pending: t.pending, date: t.date, name: t.name,
  account_id: t.account_id, pending_transaction_id: t.pending_transaction_id ?? null,
});
const byId = (a: { transaction_id: string }, b: { transaction_id: string }) => (a.transaction_id < b.transaction_id ? -1 : a.transaction_id > b.transaction_id ? 1 : 0);

type Expect = (v: unknown) => { toEqual(x: unknown): void };

/** The database equals the emulator's truth: same ids, amounts, pending flags, dates, names, accounts. */
export async function expectEqualsTruth(itemId: string, expect: Expect) {
  const want = (await truth(await plaidItemId(itemId))).map(asRow).sort(byId);
  const have = (await stored(itemId)).sort(byId);
  expect(have.length).toEqual(want.length);
  expect(have).toEqual(want);
}

type TruthAccount = {
  account_id: string; persistent_account_id: string | null; mask: string | null; name: string; official_name: string | null;
  type: string; subtype: string | null;
  balances: { available: number | null; current: number | null; limit: number | null; iso_currency_code: string | null; unofficial_currency_code: string | null };
};

const money = (v: number | null) => (v === null ? null : v.toFixed(4));

/**
 * The item's accounts equal the emulator's: every Plaid account of the item (those linked at the
 * exchange and those that appeared since) has its Nestfolio account and mapping, with Plaid's
 * name, mask, type and balances.
 */
export async function expectAccountsEqualTruth(itemId: string, expect: Expect) {
  const plaidId = await plaidItemId(itemId);
  const { accounts } = await emulator<{ accounts: TruthAccount[] }>('GET', `/items/${plaidId}/accounts`);
  const want = accounts.map((a) => ({
    account_id: a.account_id, persistent_account_id: a.persistent_account_id, mask: a.mask, name: a.name,
    official_name: a.official_name, type: a.type, subtype: a.subtype,
    current: money(a.balances.current), available: money(a.balances.available), limit: money(a.balances.limit),
    currency: a.balances.iso_currency_code, unofficial_currency: a.balances.unofficial_currency_code,
  })).sort((x, y) => x.account_id.localeCompare(y.account_id));
  const have = (await sql`
    select pa.plaid_account_id as account_id, pa.persistent_account_id, pa.mask, a.name, pa.official_name, pa.type, pa.subtype,
           a.current_balance::text as current, a.available_balance::text as available, a.credit_limit::text as limit,
           a.currency, a.unofficial_currency_code as unofficial_currency
    from public.plaid_accounts pa join public.accounts a on a.id = pa.account_id
    where pa.item_id = ${itemId}`).map((r) => ({ ...r })).sort((x, y) => x.account_id.localeCompare(y.account_id));
  expect(have).toEqual(want);
}

/** The committed cursor state and the data stored with it, read in one snapshot. */
export type CursorSnapshot = { cursor: string | null; has_more: boolean; loop_start_cursor: string | null; rows: Row[] };

async function cursorSnapshot(itemId: string, unlessCursor?: string | null): Promise<CursorSnapshot | null> {
  return await sql.begin('isolation level repeatable read', async (tx) => {
    const [s] = await tx`select cursor, has_more, loop_start_cursor from public.plaid_sync_state
      where item_id = ${itemId} and product = 'transactions'`;
    if (!s || s.cursor === unlessCursor) return null;
    return { cursor: s.cursor, has_more: s.has_more, loop_start_cursor: s.loop_start_cursor, rows: await stored(itemId, tx) };
  }) as CursorSnapshot | null;
}

/**
 * Records every committed cursor (with the data committed with it) while a sync runs, by polling
 * the database; stop() takes a last snapshot and returns them all.
 */
export function watchCursor(itemId: string) {
  const snapshots: CursorSnapshot[] = [];
  let stopped = false;
  const take = async () => {
    const s = await cursorSnapshot(itemId, snapshots.length ? snapshots[snapshots.length - 1].cursor : undefined);
    if (s) snapshots.push(s);
  };
  const loop = (async () => {
    while (!stopped) {
      await take();
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    async stop(): Promise<CursorSnapshot[]> {
      stopped = true;
      await loop;
      await take();
      return snapshots;
    },
  };
}

/**
 * "The cursor is never ahead of the stored data": from each snapshot, resuming as the engine does
 * (from the stored cursor; when Plaid says the data changed mid-loop, from the loop's first cursor)
 * and applying what Plaid returns to the snapshot's rows gives exactly the truth. A cursor that had
 * run ahead of its data would skip changes no later page brings back.
 */
export async function expectCursorNeverAhead(itemId: string, snapshots: CursorSnapshot[], expect: Expect) {
  const plaidId = await plaidItemId(itemId);
  // Armed faults would be taken by these calls: the test's faults must all have fired by now.
  const { faults } = await emulator<{ faults: Array<{ item_id: string | null }> }>('GET', '/faults');
  expect(faults.filter((f) => f.item_id === plaidId)).toEqual([]);
  const [{ token }] = await sql`select private.read_item_access_token(${itemId}) as token`;
  const want = (await truth(plaidId)).map(asRow).sort(byId);
  expect(snapshots.length > 0).toEqual(true);
  for (const [i, snap] of snapshots.entries()) {
    const rows = new Map(snap.rows.map((r) => [r.transaction_id, r]));
    const loopStart = snap.has_more ? snap.loop_start_cursor : snap.cursor;
    let cursor = snap.cursor ?? '';
    for (let restarts = 0; ;) {
      const page = await plaidSyncPage(token, cursor);
      if ('error_code' in page) {
        if (page.error_code !== 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION' || ++restarts > 5) throw new Error(`/transactions/sync: ${page.error_code}`);
        cursor = loopStart ?? '';
        continue;
      }
      for (const t of [...page.added, ...page.modified]) rows.set(t.transaction_id, asRow(t));
      for (const t of page.removed) rows.delete(t.transaction_id);
      if (!page.has_more) break;
      cursor = page.next_cursor;
    }
    expect({ snapshot: i, has_more: snap.has_more, stored: snap.rows.length, resumed: [...rows.values()].sort(byId) })
      .toEqual({ snapshot: i, has_more: snap.has_more, stored: snap.rows.length, resumed: want });
  }
}

type SyncPage = { added: TruthTx[]; modified: TruthTx[]; removed: Array<{ transaction_id: string }>; has_more: boolean; next_cursor: string };

/** One /transactions/sync call as the engine makes it (the token never leaves this process). */
async function plaidSyncPage(accessToken: string, cursor: string): Promise<SyncPage | { error_code: string }> {
  const res = await fetch(`${testStack.plaidUrl}/transactions/sync`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': testStack.keys.plaidClientId, 'PLAID-SECRET': testStack.keys.plaidSecret },
    body: JSON.stringify({ access_token: accessToken, cursor: cursor || undefined, count: 500 }),
  });
  return await res.json();
}
