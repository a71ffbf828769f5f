// bench: webhooks and bursts on their own stack.
// - Webhook → rows visible: a change at the bank, its SYNC_UPDATES_AVAILABLE (sent by the emulator,
//   verified by plaid-webhook, dispatched over pg_net), the rows stored; one webhook per item, as Plaid
//   sends them hours apart (an item synced less than min_run_interval ago waits for it by design).
//   p50/p95 over 50 items (goal p95 ≤ 1 s), against the same sync called directly.
// - Bursts: N identical requests for one item (one valid webhook delivered N times; "Sync now" N
//   times) cost O(1) Plaid calls: at most one run plus one follow-up per min_run_interval of burst.
import { pct, row, type Row } from './support/measure.ts';
import { allIdle, benchStack, type BenchStack } from './support/stack.ts';

const WEBHOOKS = 50;
const BURSTS = [1, 10, 100, 1000];

async function inParallel<T>(n: number, width: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => { for (let i = next++; i < n; i = next++) out[i] = await f(i); }));
  return out;
}

export async function benchWebhooks(): Promise<Row[]> {
  const rows: Row[] = [];
  const b = await benchStack('webhooks', { plaidEmulator: { exactWebhookDelivery: 'webhook-to-rows latency is measured for one delivery of each webhook' } });
  try {
    rows.push(await latency(b));
    rows.push(...await bursts(b));
  } finally {
    await b.stop();
  }
  return rows;
}

const plaidIdOf = async (b: BenchStack, item: string) => (await b.sql`select plaid_item_id from public.plaid_items where id = ${item}`)[0].plaid_item_id as string;
const addTransaction = async (b: BenchStack, plaidId: string, name: string) =>
  (await b.emulator('POST', `/items/${plaidId}/transactions`, { transactions: [{ amount: 12.5, name }] })).transactions[0].transaction_id as string;
async function visible(b: BenchStack, txId: string) {
  while ((await b.sql`select 1 from public.transactions where plaid_transaction_id = ${txId}`).length === 0) await new Promise((r) => setTimeout(r, 2));
}

async function latency(b: BenchStack): Promise<Row> {
  const users = await b.users(WEBHOOKS * 2);
  const hooked = await inParallel(WEBHOOKS, 6, (i) => b.connect(users[i], 100, { webhook: true }));
  const plain = await inParallel(WEBHOOKS, 6, (i) => b.connect(users[WEBHOOKS + i], 100));
  await allIdle(b.sql, [...hooked, ...plain]);
  // Plaid sends SYNC_UPDATES_AVAILABLE hours apart: no item's last run is within min_run_interval.
  const [{ wait }] = await b.sql`select extract(epoch from min_run_interval) * 1000 as wait from private.sync_settings`;
  await new Promise((r) => setTimeout(r, Number(wait)));
  const viaWebhook: number[] = [], direct: number[] = [];
  for (let i = 0; i < WEBHOOKS; i++) {
    let t0 = performance.now();
    await visible(b, await addTransaction(b, await plaidIdOf(b, hooked[i]), `webhook ${i}`)); // the emulator sends the webhook
    viaWebhook.push(performance.now() - t0);
    t0 = performance.now();
    const tx = await addTransaction(b, await plaidIdOf(b, plain[i]), `direct ${i}`);
    await b.fn('plaid-sync', { item_id: plain[i], trigger: 'manual', wait: true }, { apikey: b.stack.keys.secretKey });
    await visible(b, tx);
    direct.push(performance.now() - t0);
  }
  const [p50, p95, d50] = [pct(viaWebhook, 50), pct(viaWebhook, 95), pct(direct, 50)];
  return row({
    id: 'webhook-latency',
    benchmark: `webhook → rows visible (${WEBHOOKS} SYNC_UPDATES_AVAILABLE, one per item)`, measured: `p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`,
    baseline: `p50 ${d50.toFixed(0)} ms: the same change synced by a direct plaid-sync call`, ratio: `${(p50 / d50).toFixed(2)}× (p50)`,
    goal: 'p95 ≤ 1 s', met: p95 <= 1000 ? 'yes' : 'NO',
  });
}

async function bursts(b: BenchStack): Promise<Row[]> {
  const [{ interval }] = await b.sql`select extract(epoch from min_run_interval)::float * 1000 as interval from private.sync_settings`;
  const results: Record<'webhook' | 'manual', Array<{ n: number; calls: number; runs: number; ms: number; limited: number }>> = { webhook: [], manual: [] };
  for (const kind of ['webhook', 'manual'] as const) {
    for (const n of BURSTS) {
      const [user] = await b.users(1);
      const item = await b.connect(user, 100);
      await allIdle(b.sql, [item]);
      await new Promise((r) => setTimeout(r, interval)); // its initial sync is not the last run any more
      const plaidId = await plaidIdOf(b, item);
      await addTransaction(b, plaidId, 'burst');
      const body = JSON.stringify({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: plaidId,
        initial_update_complete: true, historical_update_complete: true, environment: 'sandbox' }, null, 2);
      const { jwt } = await b.emulator('POST', '/webhook-keys/sign', { body });
      const [{ since }] = await b.sql`select clock_timestamp() as since`;
      const calls0 = b.plaidCalls('/transactions/sync');
      const t0 = performance.now();
      const statuses = await inParallel(n, 25, async () => {
        const r = kind === 'webhook'
          ? await fetch(`${b.stack.apiUrl}/functions/v1/plaid-webhook`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Plaid-Verification': jwt }, body })
          : await fetch(`${b.stack.apiUrl}/functions/v1/plaid-sync`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user.token}`, apikey: b.stack.keys.publishableKey }, body: JSON.stringify({ item_id: item }) });
        await r.arrayBuffer();
        return r.status;
      });
      const ms = performance.now() - t0;
      if (statuses.some((s) => s >= 300 && s !== 429)) throw new Error(`${kind} burst: statuses ${[...new Set(statuses)].join(', ')}`);
      await allIdle(b.sql, [item]);
      const [{ runs }] = await b.sql`select count(*)::int as runs from public.sync_runs where item_id = ${item} and started_at >= ${since}`;
      results[kind].push({ n, calls: b.plaidCalls('/transactions/sync') - calls0, runs, ms, limited: statuses.filter((s) => s === 429).length });
    }
  }
  return (['webhook', 'manual'] as const).map((kind) => {
    const rs = results[kind];
    // One run plus one follow-up per min_run_interval the burst lasted.
    const bound = (r: { ms: number }) => 1 + Math.ceil(r.ms / interval);
    return row({
      id: `burst-${kind}`,
      benchmark: kind === 'webhook' ? 'a burst of N deliveries of one valid webhook for one item: Plaid /transactions/sync calls'
        : 'a burst of N "Sync now" for one item: Plaid /transactions/sync calls',
      measured: rs.map((r) => `N=${r.n}: ${r.calls} call${r.calls === 1 ? '' : 's'}, ${r.runs} run${r.runs === 1 ? '' : 's'}${r.limited ? `, ${r.limited} answered 429` : ''} (burst ${(r.ms / 1000).toFixed(1)} s)`).join('; '),
      baseline: `N (one call per request, uncoalesced)`, ratio: `${(rs.at(-1)!.calls / rs.at(-1)!.n).toFixed(3)} calls per request at N=${rs.at(-1)!.n}`,
      goal: `O(1): ≤ 1 run + 1 follow-up per ${interval / 1000} s of burst`, met: rs.every((r) => r.calls <= bound(r)) ? 'yes' : 'NO',
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchWebhooks()) console.log(`${r.benchmark}: ${r.measured} (baseline ${r.baseline}, ${r.ratio}; goal ${r.goal}: ${r.met}; load ${r.load})`);
}
