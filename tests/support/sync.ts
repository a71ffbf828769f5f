// Helpers for sync tests: run plaid-sync as the scheduler does, and compare the database with the
// emulator's truth (the item's true current transaction set).
import postgres from 'postgres';
import { callFunction, emulator } from './functions.ts';
import { testStack } from './stack.ts';

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
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Idle: no live lease, no pass owed, and the last pg_net call to plaid-sync was answered (it
    // answers only after taking the lease or coalescing), or was never made.
    const [s] = await sql`select (lease_id is null or lease_expires_at < now()) and not rerun_requested
        and (last_dispatch_id is null or exists (select 1 from net._http_response r where r.id = last_dispatch_id)) as idle
      from public.plaid_sync_state where item_id = ${itemId} and product = ${product}`;
    if (!s || s.idle) return;
    if (Date.now() > deadline) throw new Error(`item ${itemId} still syncing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
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

export async function stored(itemId: string) {
  return await sql`
    select t.plaid_transaction_id as transaction_id, t.amount::text as amount, t.pending, t.date::text as date, t.name,
           pa.plaid_account_id as account_id, t.pending_transaction_id
    from public.transactions t join public.plaid_accounts pa on pa.account_id = t.account_id
    where t.item_id = ${itemId} order by t.plaid_transaction_id`;
}

/** The database equals the emulator's truth: same ids, amounts, pending flags, dates, names, accounts. */
export async function expectEqualsTruth(itemId: string, expect: (v: unknown) => { toEqual(x: unknown): void }) {
  const plaidId = await plaidItemId(itemId);
  const want = (await truth(plaidId)).map((t) => ({
    transaction_id: t.transaction_id, amount: Number(t.amount).toFixed(4), pending: t.pending, date: t.date, name: t.name,
    account_id: t.account_id, pending_transaction_id: t.pending_transaction_id ?? null,
  }));
  const byId = (a: { transaction_id: string }, b: { transaction_id: string }) => (a.transaction_id < b.transaction_id ? -1 : a.transaction_id > b.transaction_id ? 1 : 0);
  want.sort(byId);
  const have = (await stored(itemId)).map((r) => ({ ...r })).sort(byId);
  expect(have.length).toEqual(want.length);
  expect(have).toEqual(want);
}
