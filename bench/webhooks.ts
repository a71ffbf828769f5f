// bench: webhooks and the schedule on their own stack (fresh database, emulator, functions host, pg_net).
// - webhook → rows visible: p50/p95 over 50 webhooks (goal p95 ≤ 1 s), against the same sync called
//   directly (the part of the latency that is the sync itself), measured in the same run.
// - 1,000 due items swept and synced at bounded concurrency (goal ≤ 60 s, zero errors), against the
//   time the same syncs would take one after another (mean direct sync × 1,000).
import { join } from 'node:path';
import postgres from 'postgres';
import type { SandboxPublicTokenCreateResponse } from 'plaid';
import { startStack } from '../local/stack.ts';
import { signUserJwt } from '../local/jwt.ts';
import { stateDir } from '../local/paths.ts';
import { syncIdle, waitFor } from './support/wait.ts';

/** What plaid-exchange-token answers (docs/api.md) and what the emulator's control API answers for added transactions. */
type Exchanged = { item: { id: string } };
type Added = { transactions: Array<{ transaction_id: string }> };

type Row = { benchmark: string; measured: string; baseline: string; ratio: string; goal: string; met: string };

const WEBHOOKS = 50;
const ITEMS = Number(process.env.BENCH_SWEEP_ITEMS ?? 1000);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

export async function benchWebhooks(): Promise<{ rows: Row[] }> {
  const stack = await startStack({
    stateDir: join(stateDir, 'bench-webhooks'), ports: { api: 54381, db: 54382, plaid: 54385 }, fresh: true, fast: true, log: () => {},
    plaidEmulator: {
      // The sweep benchmark makes a thousand items' calls in seconds: a raised quota, as for a load test.
      clientRateLimits: { '/transactions/sync': 1_000_000, '/accounts/get': 1_000_000 },
      instantTransactions: 'the benchmarks time webhooks and sweeps on items whose history is already at Plaid',
      exactWebhookDelivery: 'webhook-to-rows latency is measured for one delivery of each webhook',
    },
  });
  const sql = postgres(stack.cluster.adminUrl, { max: 4, onnotice: () => {} });
  const webhookUrl = `${stack.apiUrl}/functions/v1/plaid-webhook`;
  const post = async <T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const json = await r.json();
    if (!r.ok) throw new Error(`${url}: ${r.status} ${JSON.stringify(json)}`);
    return json as T;
  };
  const plaid = <T>(path: string, body: unknown) => post<T>(`${stack.plaidUrl}${path}`, body, { 'PLAID-CLIENT-ID': stack.keys.plaidClientId, 'PLAID-SECRET': stack.keys.plaidSecret });
  const control = <T>(path: string, body: unknown) => post<T>(`${stack.plaidUrl}/__emulator${path}`, body);
  const idle = (itemId: string) => syncIdle(sql, itemId);

  // Users in one statement, tokens signed locally (what `npm run session` does, a thousand times).
  const users = async (n: number) => {
    const rows = await sql`insert into auth.users (id, aud, role, email)
      select gen_random_uuid(), 'authenticated', 'authenticated', 'bench-' || g || '-' || gen_random_uuid() || '@bench.local'
      from generate_series(1, ${n}) g returning id, email`;
    return await Promise.all(rows.map(async (u) => (await signUserJwt(stack.keys.signingJwk, `${stack.apiUrl}/auth/v1`, { sub: u.id, email: u.email })).token));
  };
  const connect = async (token: string, webhook: boolean, historySize: number) => {
    const pt = await plaid<SandboxPublicTokenCreateResponse>('/sandbox/public_token/create', {
      institution_id: 'ins_109508', initial_products: ['transactions'],
      options: { override_username: 'user_custom', override_password: JSON.stringify({ emulator: { history_size: historySize } }), ...(webhook ? { webhook: webhookUrl } : {}) },
    });
    const res = await post<Exchanged>(`${stack.apiUrl}/functions/v1/plaid-exchange-token`, { public_token: pt.public_token }, { Authorization: `Bearer ${token}`, apikey: stack.keys.publishableKey });
    return res.item.id;
  };
  const plaidIdOf = async (itemId: string) => (await sql`select plaid_item_id from public.plaid_items where id = ${itemId}`)[0].plaid_item_id as string;
  const addTransaction = async (plaidId: string, name: string) =>
    (await control<Added>(`/items/${plaidId}/transactions`, { transactions: [{ amount: 12.5, name }] })).transactions[0].transaction_id;
  const visible = (txId: string) => waitFor(async () => (await sql`select 1 from public.transactions where plaid_transaction_id = ${txId}`).length === 1);

  const rows: Row[] = [];
  try {
    // Webhook latency --------------------------------------------------------------------------------
    const [withHook, direct] = await users(2);
    const hooked = await connect(withHook, true, 100);
    const plain = await connect(direct, false, 100);
    await idle(hooked);
    await idle(plain);
    const [hookedPlaid, plainPlaid] = [await plaidIdOf(hooked), await plaidIdOf(plain)];
    const latency: number[] = [];
    const directMs: number[] = [];
    for (let i = 0; i < WEBHOOKS; i++) {
      const t0 = performance.now();
      const tx = await addTransaction(hookedPlaid, `webhook ${i}`); // the emulator sends SYNC_UPDATES_AVAILABLE
      await visible(tx);
      latency.push(performance.now() - t0);
      await idle(hooked);

      const d0 = performance.now();
      const dtx = await addTransaction(plainPlaid, `direct ${i}`);
      await post(`${stack.apiUrl}/functions/v1/plaid-sync`, { item_id: plain, trigger: 'manual', wait: true }, { apikey: stack.keys.secretKey });
      await visible(dtx);
      directMs.push(performance.now() - d0);
    }
    const [p50, p95, d50] = [pct(latency, 50), pct(latency, 95), pct(directMs, 50)];
    rows.push({
      benchmark: `webhook → rows visible (${WEBHOOKS} SYNC_UPDATES_AVAILABLE webhooks)`, measured: `p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`,
      baseline: `p50 ${d50.toFixed(0)} ms: the same change synced by a direct plaid-sync call`, ratio: `${(p50 / d50).toFixed(2)}× (p50)`,
      goal: 'p95 ≤ 1 s', met: p95 <= 1000 ? 'yes' : 'NO',
    });

    // 1,000 due items -------------------------------------------------------------------------------
    const tokens = await users(ITEMS);
    const items: string[] = [];
    for (let i = 0; i < tokens.length; i += 8) items.push(...await Promise.all(tokens.slice(i, i + 8).map((t) => connect(t, false, 20))));
    await waitFor(async () => (await sql`select count(*)::int as n from public.plaid_sync_state where product = 'transactions'
      and item_id = any(${items}) and requested_at is null and lease_id is null`)[0].n === items.length, 100);
    // Something new at the bank for every item, then every item is due (last synced 13 hours ago).
    const plaidIds = await sql`select plaid_item_id from public.plaid_items where id = any(${items})`;
    for (let i = 0; i < plaidIds.length; i += 20) await Promise.all(plaidIds.slice(i, i + 20).map((r) => addTransaction(r.plaid_item_id, 'new at the bank')));
    // Baseline: the same kind of sync, one item at a time, by direct calls (20 items).
    const single: number[] = [];
    for (const item of items.slice(0, 20)) {
      const t0 = performance.now();
      await post(`${stack.apiUrl}/functions/v1/plaid-sync`, { item_id: item, trigger: 'manual', wait: true }, { apikey: stack.keys.secretKey });
      single.push(performance.now() - t0);
    }
    const [{ max_in_flight: cap }] = await sql`select max_in_flight from private.sync_settings`;
    await sql`update public.plaid_sync_state set last_synced_at = now() - interval '13 hours' where item_id = any(${items})`;
    const started = new Date();
    const t0 = performance.now();
    await sql`select private.sweep_syncs()`; // one pg_cron tick; finishing runs hand their slots on
    let peak = 0;
    await waitFor(async () => {
      const [s] = await sql`select count(*) filter (where last_synced_at >= ${started})::int as done,
          count(*) filter (where lease_id is not null and lease_expires_at > now())::int as running
        from public.plaid_sync_state where item_id = any(${items}) and product = 'transactions'`;
      peak = Math.max(peak, s.running);
      return s.done === items.length;
    }, 50);
    const sweepMs = performance.now() - t0;
    const [errors] = await sql`select count(*) filter (where outcome not in ('succeeded'))::int as failed, count(*)::int as runs
      from public.sync_runs where item_id = any(${items}) and started_at >= ${started}`;
    const missing = (await sql`select count(*)::int as n from public.plaid_items i where i.id = any(${items}) and not exists (
      select 1 from public.transactions t where t.item_id = i.id and t.name = 'new at the bank')`)[0].n;
    const sequential = (single.reduce((a, b) => a + b, 0) / single.length) * items.length;
    rows.push({
      benchmark: `${items.length} due items swept and synced (max_in_flight ${cap})`,
      measured: `${(sweepMs / 1000).toFixed(1)} s, ${errors.runs} runs, ${errors.failed} errors, ${missing} items missing data, peak ${peak} running`,
      baseline: `${(sequential / 1000).toFixed(1)} s one after another (mean direct sync ${(sequential / items.length).toFixed(0)} ms)`,
      ratio: `${(sweepMs / sequential).toFixed(2)}×`, goal: '≤ 60 s, zero errors, ≤ max_in_flight at once',
      met: sweepMs <= 60_000 && errors.failed === 0 && missing === 0 && peak <= cap ? 'yes' : 'NO',
    });
  } finally {
    await sql.end();
    await stack.stop();
  }
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows } = await benchWebhooks();
  for (const r of rows) console.log(`${r.benchmark}: ${r.measured} (baseline ${r.baseline}, ratio ${r.ratio}, goal ${r.goal}: ${r.met})`);
}
