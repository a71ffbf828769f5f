// bench: the schedule at scale, on its own stack. Items are made in bulk (Plaid Sandbox items through
// the emulator's API, then private.create_plaid_item in batches, the exchange's SQL); every item is
// then due (last synced 13 hours ago, cursor reset so each run fetches the same 20 transactions).
// - Sweep throughput at 1,000 due items (in a database of 1,000) and at 10,000 (in a database of
//   10,000): items/s, medians of 3; goal: at 10,000 ≥ 0.9× the rate at 1,000. One pg_cron sweep call
//   starts it; finishing runs hand their slots on. Times come from the database's clock.
// - Postgres CPU per item (the whole cluster's CPU from /proc, over the items) broken down by the
//   time spent in each function (pg_stat_user_functions).
// - max_in_flight for every dispatch: 5,000 webhook-style requests at once (private.request_sync,
//   what plaid-webhook calls): how many were dispatched at once, the most runs that overlapped, and
//   how fast the queue drained.
import { benchStack, type BenchStack } from './support/stack.ts';
import { clusterCpuMs, fmtMs, median, processCpuMs, row, spread, type Row } from './support/measure.ts';

const RUNS = Number(process.env.BENCH_SWEEP_RUNS ?? 3);
const SMALL = Number(process.env.BENCH_SWEEP_SMALL ?? 1000);
const LARGE = Number(process.env.BENCH_SWEEP_ITEMS ?? 10_000);
const BURST = Math.min(LARGE, 5000);
const HISTORY = 20;

/** n Sandbox items connected in bulk (emulator calls in parallel, items created in batches in SQL). */
export async function bulkItems(b: BenchStack, n: number): Promise<string[]> {
  const users = await b.sql`insert into auth.users (id, aud, role, email)
    select gen_random_uuid(), 'authenticated', 'authenticated', 'sweep-' || g || '-' || gen_random_uuid() || '@bench.local'
    from generate_series(1, ${n}) g returning id`;
  const made: Array<{ user_id: string; plaid_item_id: string; access_token: string; accounts: unknown }> = [];
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let i = next++; i < n; i = next++) {
      const publicToken = await b.publicToken(HISTORY);
      const { access_token, item_id } = await b.plaid('/item/public_token/exchange', { public_token: publicToken });
      const { accounts } = await b.plaid('/accounts/get', { access_token });
      made.push({ user_id: users[i].id, plaid_item_id: item_id, access_token, accounts });
    }
  }));
  const ids: string[] = [];
  for (let i = 0; i < made.length; i += 500) {
    const batch = await b.sql`select (private.create_plaid_item(x.user_id, x.plaid_item_id, x.access_token, 'ins_109508', 'First Platypus Bank',
        '{}', '{transactions}', null, null, x.accounts) ->> 'id')::uuid as id
      from jsonb_to_recordset(${b.sql.json(made.slice(i, i + 500) as never)}) as x(user_id uuid, plaid_item_id text, access_token text, accounts jsonb)`;
    ids.push(...batch.map((r) => r.id as string));
  }
  return ids;
}

/** Every item ready to do the same work again (cursor reset, nothing running), not due yet. */
export async function resetItems(b: BenchStack, items: string[]) {
  await b.sql`delete from public.transactions where item_id = any(${items})`;
  await b.sql`update public.plaid_sync_state set cursor = null, has_more = false, loop_start_cursor = null, transactions_total = 0,
      requested_at = null, requested_trigger = null, due_at = null, rerun_requested = false, attempts = 0, next_attempt_at = null,
      last_synced_at = now()
    where item_id = any(${items})`;
  await b.sql`vacuum analyze public.transactions, public.plaid_sync_state, private.sync_slots`;
}

/**
 * Makes every item due (last synced 13 hours ago) and runs one sweep, as pg_cron does, in one
 * transaction (so pg_cron's own sweep cannot start them earlier). Returns the database time it began.
 */
export async function startSweep(b: BenchStack, items: string[]): Promise<Date> {
  return await b.sql.begin(async (tx) => {
    const [{ t0 }] = await tx`select clock_timestamp() as t0`;
    await tx`update public.plaid_sync_state set last_synced_at = now() - interval '13 hours' where item_id = any(${items})`;
    await tx`select private.sweep_syncs()`; // finishing runs then hand their slots on
    return t0 as Date;
  }) as Date;
}

/** Waits (one count every 500 ms) until every item synced since t0; returns the database's times. */
export async function waitSynced(b: BenchStack, items: string[], t0: Date) {
  for (;;) {
    const [s] = await b.sql`select count(*) filter (where last_synced_at >= ${t0})::int as done from public.plaid_sync_state
      where item_id = any(${items}) and product = 'transactions'`;
    if (s.done === items.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const [r] = await b.sql`select extract(epoch from max(finished_at) - ${t0}::timestamptz) * 1000 as ms,
      count(*)::int as runs, count(*) filter (where outcome <> 'succeeded')::int as failed
    from public.sync_runs where item_id = any(${items}) and started_at >= ${t0}`;
  const [{ missing }] = await b.sql`select count(*)::int as missing from public.plaid_sync_state
    where item_id = any(${items}) and product = 'transactions' and transactions_total <> ${HISTORY}`;
  return { ms: Number(r.ms), runs: r.runs as number, failed: r.failed as number, missing: missing as number };
}

/** The most runs of these items that overlapped in time since t0 (from their start and finish times). */
export async function peakOverlap(b: BenchStack, items: string[], t0: Date): Promise<number> {
  const [{ peak }] = await b.sql`with ev as (
      select started_at as t, 1 as d from public.sync_runs where item_id = any(${items}) and started_at >= ${t0}
      union all
      select finished_at, -1 from public.sync_runs where item_id = any(${items}) and started_at >= ${t0})
    select coalesce(max(running), 0)::int as peak from (select sum(d) over (order by t, d) as running from ev) x`;
  return peak;
}

type SweepRun = {
  itemsPerS: number; cpuPerItemMs: number; functions: Array<{ name: string; msPerItem: number }>; failed: number; missing: number; peak: number;
  /** CPU per item of the functions host, and of this process (the Plaid emulator and pg_net's worker run in it). */
  hostCpuPerItemMs: number; emulatorCpuPerItemMs: number;
};

async function sweepOnce(b: BenchStack, items: string[]): Promise<SweepRun> {
  await resetItems(b, items);
  // Backends report function statistics once idle for a second: let the set-up's arrive, then reset.
  await new Promise((res) => setTimeout(res, 2500));
  await b.sql`select pg_stat_reset()`;
  const cpu0 = clusterCpuMs(b.dataDir), host0 = processCpuMs(b.stack.functionsPid), own0 = process.cpuUsage();
  const t0 = await startSweep(b, items);
  const r = await waitSynced(b, items, t0);
  const cpu = clusterCpuMs(b.dataDir) - cpu0, host = processCpuMs(b.stack.functionsPid) - host0;
  const own = process.cpuUsage(own0);
  await new Promise((res) => setTimeout(res, 2000)); // backends report function statistics when idle
  const fns = await b.sql`select funcname as name, total_time, self_time, calls from pg_stat_user_functions
    where schemaname in ('private', 'vault', 'net') order by self_time desc`;
  return {
    itemsPerS: items.length / (r.ms / 1000), cpuPerItemMs: cpu / items.length, failed: r.failed, missing: r.missing,
    peak: await peakOverlap(b, items, t0),
    hostCpuPerItemMs: host / items.length, emulatorCpuPerItemMs: (own.user + own.system) / 1000 / items.length,
    functions: fns.map((f) => ({ name: `${f.name} (${(f.calls / items.length).toFixed(1)}×)`, msPerItem: Number(f.self_time) / items.length })),
  };
}

function breakdown(run: SweepRun): string {
  const top = run.functions.filter((f) => f.msPerItem >= 0.05).slice(0, 8);
  return top.map((f) => `${f.name} ${f.msPerItem.toFixed(2)}`).join(', ');
}

export async function benchSweep(): Promise<Row[]> {
  const rows: Row[] = [];
  const b = await benchStack('sweep');
  try {
    await b.sql`alter system set track_functions = 'all'`;
    await b.sql`select pg_reload_conf()`;
    const [{ cap }] = await b.sql`select max_in_flight as cap from private.sync_settings`;
    // The machine is shared: the small database's runs come before and after the large one's (the
    // extra items are removed again), so a change of load hits both sides.
    const small = await bulkItems(b, SMALL);
    const atSmall: SweepRun[] = [];
    for (let i = 0; i < Math.ceil(RUNS / 2); i++) atSmall.push(await sweepOnce(b, small));
    const extra = await bulkItems(b, LARGE - SMALL);
    const large = [...small, ...extra];
    const atLarge: SweepRun[] = [];
    for (let i = 0; i < RUNS; i++) atLarge.push(await sweepOnce(b, large));
    const burst = await burstOfRequests(b, large.slice(0, BURST), cap);
    await b.sql`delete from public.plaid_items where id = any(${extra})`;
    await b.sql`vacuum analyze`;
    for (let i = Math.ceil(RUNS / 2); i < RUNS; i++) atSmall.push(await sweepOnce(b, small));

    const rate = (runs: SweepRun[]) => median(runs.map((r) => r.itemsPerS));
    const median1 = (runs: SweepRun[]) => runs.slice().sort((a, b2) => a.cpuPerItemMs - b2.cpuPerItemMs)[Math.floor(runs.length / 2)];
    const s = rate(atSmall), l = rate(atLarge), ratio = l / s;
    const clean = [...atSmall, ...atLarge].every((r) => r.failed === 0 && r.missing === 0 && r.peak <= cap);
    rows.push(row({
      id: 'sweep-linear',
      benchmark: `sweep: ${LARGE.toLocaleString('en-US')} due items synced (database of ${LARGE.toLocaleString('en-US')}; max_in_flight ${cap}; median of ${RUNS})`,
      measured: `${l.toFixed(0)} items/s (${spread(atLarge.map((r) => r.itemsPerS))}); peak ${Math.max(...atLarge.map((r) => r.peak))} running; ${atLarge.reduce((n, r) => n + r.failed, 0)} failed runs; Postgres CPU per item ${median1(atLarge).cpuPerItemMs.toFixed(1)} ms vs ${median1(atSmall).cpuPerItemMs.toFixed(1)} ms`,
      baseline: `${s.toFixed(0)} items/s with ${SMALL.toLocaleString('en-US')} due in a database of ${SMALL.toLocaleString('en-US')}, runs before and after (${spread(atSmall.map((r) => r.itemsPerS))})`,
      ratio: `${ratio.toFixed(2)}×`, goal: '≥ 0.9× (linear), zero errors, ≤ max_in_flight at once',
      met: ratio >= 0.9 && clean ? 'yes' : `NO (${ratio.toFixed(2)}×${clean ? '' : ', errors or over the cap'})`,
      data: {
        small: s, large: l, ratio, cpuSmall: median1(atSmall).cpuPerItemMs, cpuLarge: median1(atLarge).cpuPerItemMs,
        hostSmall: median1(atSmall).hostCpuPerItemMs, hostLarge: median1(atLarge).hostCpuPerItemMs,
        emuSmall: median1(atSmall).emulatorCpuPerItemMs, emuLarge: median1(atLarge).emulatorCpuPerItemMs,
      },
    }));
    for (const [label, runs] of [[SMALL, atSmall], [LARGE, atLarge]] as const) {
      const m = median1(runs);
      rows.push(row({
        id: `sweep-cpu-${label}`,
        benchmark: `Postgres CPU per item, sweep of ${label.toLocaleString('en-US')} (whole cluster, /proc), and time in each function per item (ms; calls per item)`,
        measured: `${m.cpuPerItemMs.toFixed(1)} ms CPU per item (${spread(runs.map((r) => r.cpuPerItemMs), 1)}): ${breakdown(m)}; ` +
          `besides Postgres, per item: functions host ${m.hostCpuPerItemMs.toFixed(1)} ms CPU, Plaid emulator + pg_net worker + benchmark ${m.emulatorCpuPerItemMs.toFixed(1)} ms CPU`,
        baseline: '—', ratio: '—', goal: 'informative (docs/scaling.md)', met: '',
      }));
    }
    rows.push(...burst);
  } finally {
    await b.stop();
  }
  return rows;
}

/** BURST webhook-style requests at once: dispatched within the cap, the rest queued, drained at the cap. */
async function burstOfRequests(b: BenchStack, items: string[], cap: number): Promise<Row[]> {
  await resetItems(b, items); // not stale: only the requests make them due
  const [{ t0 }] = await b.sql`select clock_timestamp() as t0`;
  const [{ dispatched }] = await b.sql`select count(*) filter (where private.request_sync(id, 'transactions', 'webhook'))::int as dispatched
    from unnest(${items}::uuid[]) id`;
  const r = await waitSynced(b, items, t0);
  const peak = await peakOverlap(b, items, t0);
  return [row({
    id: 'cap',
    benchmark: `${items.length.toLocaleString('en-US')} webhook-style sync requests at once (private.request_sync in one statement)`,
    measured: `${dispatched} dispatched at once, the rest queued; peak ${peak} running; drained in ${fmtMs(r.ms)} (${(items.length / (r.ms / 1000)).toFixed(0)} items/s); ${r.failed} failed, ${r.missing} missing data`,
    baseline: `max_in_flight ${cap}`, ratio: `${(peak / cap).toFixed(2)}× the cap`,
    goal: '≤ max_in_flight at once, nothing lost', met: peak <= cap && dispatched <= cap && r.failed === 0 && r.missing === 0 ? 'yes' : 'NO',
  })];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchSweep()) console.log(`${r.benchmark}: ${r.measured} (baseline ${r.baseline}, ${r.ratio}; goal ${r.goal}: ${r.met}; load ${r.load})`);
}
