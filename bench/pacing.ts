// bench: Plaid's per-client limit as a design input. The emulator enforces Plaid's Production
// per-client limit of /transactions/sync (2,500 calls a minute; no leniency for it), the product is
// told the same limit (private.sync_settings.plaid_calls_per_minute), and 10,000 due items are swept:
// the sync paces itself (each dispatch slot makes at most one call per max_in_flight / 98% of the
// limit). Goals: throughput within 10% of the limit, 429s at most 1% of calls, nothing lost.
import { RAISED_CLIENT_LIMITS, benchStack } from './support/stack.ts';
import { bulkItems, resetItems, startSweep, waitSynced } from './sweep.ts';
import { row, type Row } from './support/measure.ts';

const ITEMS = Number(process.env.BENCH_PACING_ITEMS ?? 10_000);
const LIMIT = Number(process.env.BENCH_PACING_LIMIT ?? 2500);

export async function benchPacing(): Promise<Row[]> {
  const b = await benchStack('pacing', {
    plaidEmulator: {
      // Plaid's limit for the sync's endpoint; only the set-up's bulk /accounts/get calls are raised.
      clientRateLimits: { '/transactions/sync': LIMIT, '/accounts/get': RAISED_CLIENT_LIMITS['/accounts/get'] },
      noItemRateLimits: undefined,
    },
  });
  try {
    const items = await bulkItems(b, ITEMS);
    await resetItems(b, items);
    await b.sql`update private.sync_settings set plaid_calls_per_minute = ${LIMIT}`;
    // Nothing else calls /transactions/sync meanwhile; a quiet minute empties the emulator's window.
    await new Promise((r) => setTimeout(r, 61_000));
    const calls0 = b.plaidCalls('/transactions/sync'), limited0 = b.plaidCalls('/transactions/sync', 429);
    const t0 = await startSweep(b, items);
    const r = await waitSynced(b, items, t0);
    const calls = b.plaidCalls('/transactions/sync') - calls0, limited = b.plaidCalls('/transactions/sync', 429) - limited0;
    const perMinute = (calls - limited) / (r.ms / 60_000);
    const share = limited / calls;
    return [row({
      id: 'pacing',
      benchmark: `${ITEMS.toLocaleString('en-US')} due items swept under Plaid's per-client limit of ${LIMIT.toLocaleString('en-US')} /transactions/sync a minute (plaid_calls_per_minute ${LIMIT})`,
      measured: `${perMinute.toFixed(0)} calls/min answered (${(r.ms / 60_000).toFixed(1)} min); ${limited} of ${calls} calls answered 429 (${(share * 100).toFixed(2)}%); ${r.failed} failed runs, ${r.missing} items missing data`,
      baseline: `the limit: ${LIMIT.toLocaleString('en-US')} calls/min`, ratio: `${(perMinute / LIMIT).toFixed(2)}×`,
      goal: 'within 10% of the limit, ≤ 1% 429s, nothing lost',
      met: perMinute >= 0.9 * LIMIT && perMinute <= LIMIT && share <= 0.01 && r.failed === 0 && r.missing === 0 ? 'yes' : 'NO',
    })];
  } finally {
    await b.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchPacing()) console.log(`${r.benchmark}: ${r.measured} (baseline ${r.baseline}, ${r.ratio}; goal ${r.goal}: ${r.met}; load ${r.load})`);
}
