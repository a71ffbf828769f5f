// bench: the sync engine on its own stack, against the physical limit measured in the same run.
// - Initial sync, exchange → all rows visible, 10,000 and 100,000 transactions, vs the limit: the
//   same pages fetched from Plaid one after the other and streamed into one COPY of every column the
//   product stores, into the same table (page fetches on both sides). Goal ≤ 1.5×.
// - The product's SQL per page (private.apply_transactions_page, pages fetched beforehand) vs COPY of
//   the page into a temp table + INSERT … ON CONFLICT from it. Goal ≤ 1.2×.
// - Functions-host CPU per page; peak isolate heap of the 100k sync (< 256 MB); a no-change sync's
//   Plaid calls (1) and database round trips (≤ 3).
// Times of the product come from the database's clock (exchange started → last run finished), so the
// benchmark's own polling (one count every 50 ms) is not part of any figure.
import { readFileSync } from 'node:fs';
import { benchStack, allIdle, type BenchStack } from './support/stack.ts';
import { fmtMs, median, processCpuMs, row, spread, type Row } from './support/measure.ts';
import { pageForDatabase } from '../supabase/functions/_shared/sync/transactions.ts';

const RUNS = Number(process.env.BENCH_SYNC_RUNS ?? 3);
const hwmMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Every column the product stores from a Plaid transaction, in COPY's order. */
const COLUMNS = ['user_id', 'account_id', 'item_id', 'plaid_transaction_id', 'amount', 'iso_currency_code', 'unofficial_currency_code',
  'date', 'authorized_date', 'datetime', 'authorized_datetime', 'name', 'merchant_name', 'merchant_entity_id', 'logo_url', 'website',
  'pending', 'pending_transaction_id', 'pfc_primary', 'pfc_detailed', 'pfc_confidence', 'payment_channel', 'transaction_code',
  'original_description', 'check_number', 'location', 'counterparties'];

type PlaidTx = Record<string, any>;
const esc = (v: unknown): string => {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
};
/** A page's added transactions as COPY text lines (the mapping the product does in SQL). */
function copyLines(added: PlaidTx[], userId: string, itemId: string, accounts: Map<string, string>): string {
  let out = '';
  for (const t of added) {
    const pfc = t.personal_finance_category ?? {};
    out += [userId, accounts.get(t.account_id), itemId, t.transaction_id, t.amount, t.iso_currency_code, t.unofficial_currency_code,
      t.date, t.authorized_date, t.datetime, t.authorized_datetime, t.name, t.merchant_name, t.merchant_entity_id, t.logo_url, t.website,
      t.pending ?? false, t.pending_transaction_id, pfc.primary, pfc.detailed, pfc.confidence_level, t.payment_channel, t.transaction_code,
      t.original_description, t.check_number, t.location, t.counterparties].map(esc).join('\t') + '\n';
  }
  return out;
}

type SyncPageBody = { added: PlaidTx[]; has_more: boolean; next_cursor: string };

let lastParseMsPerPage = 0;

export async function benchSync(): Promise<Row[]> {
  const rows: Row[] = [];
  const b = await benchStack('sync');
  try {
    // One user per item: a user cannot connect the same bank twice.
    for (const size of [10_000, 100_000]) rows.push(...await initialSync(b, size));
    rows.push(...await noChange(b));
  } finally {
    await b.stop();
  }
  return rows;
}

async function itemFacts(b: BenchStack, item: string) {
  const [{ token, user_id }] = await b.sql`select private.read_item_access_token(id) as token, user_id from public.plaid_items where id = ${item}`;
  const accounts = new Map<string, string>((await b.sql`select plaid_account_id, account_id from public.plaid_accounts where item_id = ${item}`)
    .map((r) => [r.plaid_account_id, r.account_id]));
  return { token: token as string, userId: user_id as string, accounts };
}

/** Pages of the item's whole history, fetched one after the other as the product does. */
async function* pages(b: BenchStack, token: string): AsyncGenerator<{ text: string; body: SyncPageBody }> {
  let next = fetchPage(b, token, undefined);
  for (;;) {
    const page = await next;
    // The next cursor is in this page: its fetch overlaps the writing of this one.
    if (page.body.has_more) next = fetchPage(b, token, page.body.next_cursor);
    yield page;
    if (!page.body.has_more) return;
  }
}
async function fetchPage(b: BenchStack, token: string, cursor: string | undefined) {
  const res = await fetch(`${b.stack.plaidUrl}/transactions/sync`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': b.stack.keys.plaidClientId, 'PLAID-SECRET': b.stack.keys.plaidSecret },
    body: JSON.stringify({ access_token: token, cursor, count: 500, options: { include_original_description: true } }),
  });
  const text = await res.text();
  return { text, body: JSON.parse(text) as SyncPageBody };
}

/** The limit: fetch every page and stream its rows into one COPY (fetch of page N+1 overlapping). */
async function copyBaseline(b: BenchStack, item: string): Promise<number> {
  const { token, userId, accounts } = await itemFacts(b, item);
  await b.sql`delete from public.transactions where item_id = ${item}`;
  await b.sql`vacuum public.transactions`;
  const t0 = performance.now();
  await b.sql.begin(async (tx) => {
    const copy = await tx.unsafe(`copy public.transactions (${COLUMNS.join(', ')}) from stdin`).writable();
    const done = new Promise<void>((resolve, reject) => { copy.on('finish', resolve); copy.on('error', reject); });
    for await (const page of pages(b, token)) {
      if (!copy.write(copyLines(page.body.added, userId, item, accounts))) await new Promise((r) => copy.once('drain', r));
    }
    copy.end();
    await done;
  });
  return performance.now() - t0;
}

async function initialSync(b: BenchStack, size: number): Promise<Row[]> {
  const product: number[] = [], baseline: number[] = [], cpuPerPage: number[] = [];
  let rowsStored = 0, pagesRun = 0, lastItem = '';
  const hwmBefore = hwmMb(b.stack.functionsPid);
  for (let run = 0; run < RUNS; run++) {
    const [user] = await b.users(1);
    const publicToken = await b.publicToken(size);
    const cpu0 = processCpuMs(b.stack.functionsPid);
    const [{ t0 }] = await b.sql`select clock_timestamp() as t0`;
    const item = await b.exchange(user, publicToken);
    await allIdle(b.sql, [item], 50);
    const [r] = await b.sql`select extract(epoch from max(finished_at) - ${t0}::timestamptz) * 1000 as ms, sum(pages)::int as pages,
        (select count(*)::int from public.transactions t where t.item_id = ${item}) as stored
      from public.sync_runs where item_id = ${item}`;
    product.push(Number(r.ms));
    cpuPerPage.push((processCpuMs(b.stack.functionsPid) - cpu0) / r.pages);
    rowsStored = r.stored; pagesRun = r.pages; lastItem = item;
    if (r.stored !== size) throw new Error(`initial sync stored ${r.stored} of ${size}`);
    baseline.push(await copyBaseline(b, item));
    const [{ n }] = await b.sql`select count(*)::int as n from public.transactions where item_id = ${item}`;
    if (n !== size) throw new Error(`COPY baseline stored ${n} of ${size}`);
  }
  const p = median(product), c = median(baseline), ratio = p / c;
  const label = size.toLocaleString('en-US');
  const out: Row[] = [row({
    id: `initial-${size}`,
    benchmark: `initial sync, exchange → all ${label} rows visible (${pagesRun} pages; median of ${RUNS})`,
    measured: `${fmtMs(p)} (${spread(product)})`,
    baseline: `${fmtMs(c)}: the same pages fetched and streamed into one COPY of every stored column (${spread(baseline)})`,
    ratio: `${ratio.toFixed(2)}×`, goal: '≤ 1.5× COPY', met: ratio <= 1.5 ? 'yes' : `NO (${((ratio / 1.5 - 1) * 100).toFixed(0)}% over)`,
    data: { product: p, copy: c, pages: pagesRun, ratio },
  })];
  out.push(...await sqlPerPage(b, lastItem, size));
  if (size === 100_000) {
    out.push(row({ benchmark: 'functions-host CPU per 500-transaction page (100k initial syncs)', measured: `${median(cpuPerPage).toFixed(1)} ms`, baseline: '—', ratio: '—', goal: '≤ 50 ms', met: median(cpuPerPage) <= 50 ? 'yes' : 'NO' }));
    const heap = peakHeap(b);
    out.push(row({ benchmark: 'peak heap of the sync isolate, 100k initial sync (sampled after every page)', measured: `${heap} MB (${rowsStored} rows)`, baseline: '—', ratio: '—', goal: '< 256 MB', met: heap < 256 ? 'yes' : 'NO' }));
    out.push(row({ benchmark: 'peak memory of the whole functions host (all isolates + runtime)', measured: `${hwmMb(b.stack.functionsPid).toFixed(0)} MB`, baseline: `${hwmBefore.toFixed(0)} MB before the 100k syncs`, ratio: '—', goal: 'informative', met: '' }));
  }
  return out;
}

/** The largest peak_heap_mb any sync_run log line of the host reported. */
function peakHeap(b: BenchStack): number {
  const log = readFileSync(`${b.stack.cluster.dataDir}/../functions.log`, 'utf8');
  return Math.max(0, ...[...log.matchAll(/"peak_heap_mb":(\d+)/g)].map((m) => Number(m[1])));
}

/**
 * SQL alone, per page, pages fetched beforehand: the product's page call vs COPY of the page into a
 * temp table + INSERT … ON CONFLICT DO UPDATE from it (the set-based upsert a hand-written loader
 * would use), each into the emptied item.
 */
async function sqlPerPage(b: BenchStack, item: string, size: number): Promise<Row[]> {
  const { token, userId, accounts } = await itemFacts(b, item);
  // Each page as the engine sends it (its transactions projected to the fields the function reads).
  const all: Array<{ text: string; lines: string }> = [];
  for await (const page of pages(b, token)) all.push({ text: pageForDatabase(page.body as never), lines: copyLines(page.body.added, userId, item, accounts) });
  const product: number[] = [], baseline: number[] = [];
  const reset = async () => {
    await b.sql.begin(async (tx) => {
      await tx`delete from public.transactions where item_id = ${item}`;
      await tx`update public.plaid_sync_state set cursor = null, has_more = false, loop_start_cursor = null, transactions_total = 0,
        lease_id = null, lease_expires_at = null where item_id = ${item} and product = 'transactions'`;
    });
    await b.sql`vacuum public.transactions`; // each side starts from the same table, without the other's dead rows
  };
  const set = COLUMNS.filter((c) => !['user_id', 'item_id', 'plaid_transaction_id'].includes(c)).map((c) => `${c} = excluded.${c}`).join(', ');
  for (let run = 0; run < RUNS; run++) {
    await reset();
    const [claim] = await b.sql`select * from private.claim_sync(${item}, 'transactions', 'manual', 600)`;
    let ms = 0;
    for (const p of all) {
      const t0 = performance.now();
      await b.sql`select private.apply_transactions_page(${item}, ${claim.lease_id}, ${claim.run_id}, ${p.text}::text::jsonb, null, 600)`;
      ms += performance.now() - t0;
    }
    await b.sql`select * from private.finish_sync(${item}, 'transactions', ${claim.lease_id}, ${claim.run_id}, 'succeeded', null, null, false)`;
    product.push(ms);

    await reset();
    ms = 0;
    const conn = await b.sql.reserve();
    try {
      await conn`create temp table if not exists page_rows (like public.transactions including defaults)`;
      for (const p of all) {
        const t0 = performance.now();
        await conn`begin`;
        await conn`truncate page_rows`;
        const copy = await conn.unsafe(`copy page_rows (${COLUMNS.join(', ')}) from stdin`).writable();
        await new Promise<void>((resolve, reject) => { copy.on('finish', resolve); copy.on('error', reject); copy.end(p.lines); });
        await conn.unsafe(`insert into public.transactions (${COLUMNS.join(', ')}) select ${COLUMNS.join(', ')} from page_rows
          on conflict (plaid_transaction_id) do update set ${set}`);
        await conn`commit`;
        ms += performance.now() - t0;
      }
      await conn`drop table page_rows`;
    } finally {
      conn.release();
    }
    baseline.push(ms);
  }
  // What parsing the pages' JSON alone costs Postgres (the part of a page a COPY of converted rows skips).
  const parse: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let ms = 0;
    for (const p of all) {
      const t0 = performance.now();
      await b.sql`select (${p.text}::text::jsonb) is null as parsed`;
      ms += performance.now() - t0;
    }
    parse.push(ms);
  }
  const p = median(product), c = median(baseline), ratio = p / c;
  lastParseMsPerPage = median(parse) / all.length;
  return [row({
    id: `sql-${size}`,
    benchmark: `SQL alone, ${size.toLocaleString('en-US')} transactions in ${all.length} pages: private.apply_transactions_page per page (median of ${RUNS})`,
    measured: `${fmtMs(p)} (${(p / all.length).toFixed(1)} ms a page, of which ${lastParseMsPerPage.toFixed(1)} ms parsing its JSON; ${spread(product)})`,
    baseline: `${fmtMs(c)}: per page, COPY into a temp table + INSERT … ON CONFLICT DO UPDATE (${spread(baseline)})`,
    ratio: `${ratio.toFixed(2)}×`, goal: '≤ 1.2×', met: ratio <= 1.2 ? 'yes' : `NO (${((ratio / 1.2 - 1) * 100).toFixed(0)}% over)`,
    data: { perPage: p / all.length, parsePerPage: lastParseMsPerPage, baselinePerPage: c / all.length, ratio },
  })];
}

/** A sync that finds nothing new: Plaid calls (emulator log) and database round trips (its log line). */
async function noChange(b: BenchStack): Promise<Row[]> {
  const [user] = await b.users(1);
  const item = await b.connect(user, 100);
  await allIdle(b.sql, [item]);
  const trips: number[] = [], calls: number[] = [];
  const logFile = `${b.stack.cluster.dataDir}/../functions.log`;
  for (let i = 0; i < 5; i++) {
    const c0 = b.plaidCalls('/transactions/sync');
    const res = await b.fn('plaid-sync', { item_id: item, trigger: 'manual', wait: true }, { apikey: b.stack.keys.secretKey });
    if (res.status !== 200) throw new Error(`plaid-sync: ${res.status}`);
    const runLines = [...readFileSync(logFile, 'utf8').matchAll(/"msg":"sync_run".*"db_round_trips":(\d+)/g)];
    trips.push(Number(runLines.at(-1)![1]));
    calls.push(b.plaidCalls('/transactions/sync') - c0);
  }
  return [
    row({ benchmark: 'no-change sync: Plaid calls', measured: `${Math.max(...calls)}`, baseline: '—', ratio: '—', goal: '1', met: Math.max(...calls) === 1 ? 'yes' : 'NO' }),
    row({ benchmark: 'no-change sync: database round trips', measured: `${Math.max(...trips)}`, baseline: '—', ratio: '—', goal: '≤ 3', met: Math.max(...trips) <= 3 ? 'yes' : 'NO' }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchSync()) console.log(`${r.benchmark}: ${r.measured} (baseline ${r.baseline}, ${r.ratio}; goal ${r.goal}: ${r.met}; load ${r.load})`);
}
