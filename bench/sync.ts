// bench: the sync engine on its own stack (fresh database, emulator, functions host).
// - initial sync of a 10,000-transaction item vs a raw set-based bulk upsert of the same rows (goal ≤ 3×)
// - functions-host CPU per 500-transaction page (goal ≤ 50 ms)
// - a no-change sync: Plaid calls (goal 1) and database round trips (goal ≤ 3)
// - peak memory of the functions host during a 100,000-transaction initial sync (goal < 256 MB)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import type { SandboxPublicTokenCreateResponse, Transaction, TransactionsSyncResponse } from 'plaid';
import type { RunSummary } from '../supabase/functions/_shared/sync/types.ts';
import { startStack } from '../local/stack.ts';
import { mintSession } from '../local/session.ts';
import { stateDir } from '../local/paths.ts';
import { syncIdle } from './support/wait.ts';

/** What plaid-exchange-token and plaid-sync (wait: true) answer (docs/api.md). */
type Exchanged = { item: { id: string } };
type Synced = { runs: RunSummary[] };

export type SyncBench = { rows: Array<{ benchmark: string; measured: string; baseline: string; ratio: string; goal: string; met: string }> };

const ticks = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const hwmMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

export async function benchSync(): Promise<SyncBench> {
  let plaidCalls = 0;
  let lastRun = { trips: 0, heapMb: 0 };
  let peakHeapMb = 0;
  const stack = await startStack({
    stateDir: join(stateDir, 'bench'), ports: { api: 54361, db: 54362, plaid: 54365 }, fresh: true, fast: true,
    plaidEmulator: {
      clientRateLimits: { '/transactions/sync': 1_000_000, '/accounts/get': 1_000_000 },
      instantTransactions: 'the benchmark times an initial import of a history that is already at Plaid',
      noItemRateLimits: 'the benchmark pages a 100,000-transaction item (200 calls) and re-syncs one item many times a minute',
    },
    log: (l) => {
      if (l.startsWith('[plaid-emulator]') && l.includes('/transactions/sync')) plaidCalls++;
      const m = l.match(/"msg":"sync_run".*"db_round_trips":(\d+).*"peak_heap_mb":(\d+)/);
      if (m) lastRun = { trips: Number(m[1]), heapMb: Number(m[2]) };
      if (m) peakHeapMb = Math.max(peakHeapMb, Number(m[2]));
    },
  });
  const sql = postgres(stack.cluster.adminUrl, { max: 2, onnotice: () => {} });
  const fn = async <T>(name: string, body: unknown, headers: Record<string, string>): Promise<T> => {
    const r = await fetch(`${stack.apiUrl}/functions/v1/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return await r.json() as T;
  };
  const plaid = async <T>(path: string, body: unknown): Promise<T> => (await fetch(`${stack.plaidUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': stack.keys.plaidClientId, 'PLAID-SECRET': stack.keys.plaidSecret }, body: JSON.stringify(body) })).json() as Promise<T>;
  const idle = (itemId: string) => syncIdle(sql, itemId);
  const connect = async (size: number) => {
    const session = await mintSession(stack.cluster, stack.keys, stack.apiUrl, `bench-${size}-${Date.now()}@bench.local`);
    const pt = await plaid<SandboxPublicTokenCreateResponse>('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'], options: { override_username: 'user_custom', override_password: JSON.stringify({ emulator: { history_size: size } }) } });
    const res = await fn<Exchanged>('plaid-exchange-token', { public_token: pt.public_token }, { Authorization: `Bearer ${session.access_token}`, apikey: stack.keys.publishableKey });
    return res.item.id;
  };
  const secret = { apikey: stack.keys.secretKey };
  const rows: SyncBench['rows'] = [];
  try {
    // 100k first, on a fresh host, so its high-water mark is this sync's.
    const hwmBefore = hwmMb(stack.functionsPid);
    const big = await connect(100_000);
    const t100 = performance.now();
    await idle(big);
    const bigMs = performance.now() - t100;
    const [{ n: bigRows }] = await sql`select count(*)::int as n from public.transactions where item_id = ${big}`;
    const peak = hwmMb(stack.functionsPid);
    rows.push({ benchmark: 'peak memory, 100k initial sync: the sync isolate\'s heap (sampled after every page)', measured: `${peakHeapMb} MB (${bigRows} rows in ${(bigMs / 1000).toFixed(1)} s)`, baseline: '—', ratio: '—', goal: '< 256 MB', met: peakHeapMb < 256 ? 'yes' : 'NO' });
    rows.push({ benchmark: 'peak memory, 100k initial sync: whole functions host RSS (all isolates + runtime)', measured: `${peak.toFixed(0)} MB`, baseline: `${hwmBefore.toFixed(0)} MB at start`, ratio: '—', goal: 'informative', met: '' });

    // 10k: reset the item's data, then time a full initial sync in one invocation.
    const item = await connect(10_000);
    await idle(item);
    const reset = () => sql.begin(async (tx) => {
      await tx`delete from public.transactions where item_id = ${item}`;
      await tx`update public.plaid_sync_state set cursor = null, has_more = false, loop_start_cursor = null, transactions_total = 0 where item_id = ${item}`;
    });
    const syncMs: number[] = [], cpuPerPage: number[] = [];
    for (let i = 0; i < 3; i++) {
      await reset();
      const cpu0 = ticks(stack.functionsPid); const t0 = performance.now();
      const r = await fn<Synced>('plaid-sync', { item_id: item, trigger: 'manual', wait: true }, secret);
      syncMs.push(performance.now() - t0);
      cpuPerPage.push((ticks(stack.functionsPid) - cpu0) / r.runs[0].pages);
    }
    // Baseline: the same rows, fetched beforehand, in one set-based upsert.
    const [{ access: token }] = await sql`select private.read_item_access_token(${item}) as access`;
    const all: Transaction[] = [];
    for (let cursor: string | undefined; ;) {
      const page = await plaid<TransactionsSyncResponse>('/transactions/sync', { access_token: token, cursor, count: 500 });
      all.push(...page.added);
      if (!page.has_more) break;
      cursor = page.next_cursor;
    }
    const upsertMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await reset();
      const t0 = performance.now();
      await sql`insert into public.transactions (user_id, account_id, item_id, plaid_transaction_id, amount, date, name, pending, merchant_name, payment_channel, pfc_primary, pfc_detailed)
        select i.user_id, pa.account_id, i.id, t.transaction_id, t.amount, t.date, t.name, t.pending, t.merchant_name, t.payment_channel, t.personal_finance_category ->> 'primary', t.personal_finance_category ->> 'detailed'
        from jsonb_to_recordset(${sql.json(all as never)}) as t(transaction_id text, account_id text, amount numeric, date date, name text, pending boolean, merchant_name text, payment_channel text, personal_finance_category jsonb)
        join public.plaid_accounts pa on pa.plaid_account_id = t.account_id join public.plaid_items i on i.id = pa.item_id
        on conflict (plaid_transaction_id) do update set amount = excluded.amount`;
      upsertMs.push(performance.now() - t0);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ratio = med(syncMs) / med(upsertMs);
    rows.push({ benchmark: 'initial sync, 10,000 transactions (20 pages)', measured: `${med(syncMs).toFixed(0)} ms`, baseline: `${med(upsertMs).toFixed(0)} ms raw bulk upsert`, ratio: `${ratio.toFixed(2)}×`, goal: '≤ 3×', met: ratio <= 3 ? 'yes' : 'NO' });
    rows.push({ benchmark: 'functions-host CPU per 500-transaction page', measured: `${med(cpuPerPage).toFixed(1)} ms`, baseline: '—', ratio: '—', goal: '≤ 50 ms', met: med(cpuPerPage) <= 50 ? 'yes' : 'NO' });

    // No-change sync: Plaid calls from the emulator log, round trips from committed transactions.
    await reset(); await fn('plaid-sync', { item_id: item, trigger: 'manual', wait: true }, secret);
    const trips: number[] = [], calls: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c0 = plaidCalls;
      await fn('plaid-sync', { item_id: item, trigger: 'manual', wait: true }, secret);
      // Round trips as counted by the function's database clients (its sync_run log line).
      trips.push(lastRun.trips);
      calls.push(plaidCalls - c0);
    }
    rows.push({ benchmark: 'no-change sync: Plaid calls', measured: `${Math.min(...calls)}`, baseline: '—', ratio: '—', goal: '1', met: Math.min(...calls) === 1 ? 'yes' : 'NO' });
    rows.push({ benchmark: 'no-change sync: database round trips', measured: `${Math.min(...trips)}`, baseline: '—', ratio: '—', goal: '≤ 3', met: Math.min(...trips) <= 3 ? 'yes' : 'NO' });
  } finally {
    await sql.end();
    await stack.stop();
  }
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows } = await benchSync();
  for (const r of rows) console.log(`${r.benchmark}: ${r.measured} (baseline ${r.baseline}, ratio ${r.ratio}, goal ${r.goal}: ${r.met})`);
}
