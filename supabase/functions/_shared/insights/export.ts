// transactions-export: the filtered list as CSV, streamed. Rows are read in keyset batches of BATCH
// (newest first, the explorer's query), each written to the response and dropped before the next is
// read, so memory stays the same whatever the size of the export. The peak heap is logged
// (export_done), which the benchmark reports. Rate-limited per user (rate-limits.ts).
import type { UserContext } from '../function.ts';
import { limitUserCall } from '../rate-limits.ts';
import { checkAccounts, type ExplorerRow, type Filters, type Keyset, selectPage } from './explorer.ts';

export const BATCH = 1000;

const heapUsed = (): number => (globalThis as { Deno?: { memoryUsage?: () => { heapUsed: number } } }).Deno?.memoryUsage?.().heapUsed ?? 0;

const HEADER = ['date', 'authorized_date', 'status', 'account', 'name', 'merchant', 'amount', 'currency', 'category',
  'category_detail', 'payment_channel', 'transaction_id'];

/** One CSV field (RFC 4180). Text that a spreadsheet would run as a formula starts with ' (OWASP). */
export function csvField(value: string | null, text = true): string {
  let v = value ?? '';
  if (text && /^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Amounts as people read a statement: money in positive, money out negative (Plaid's sign flipped). */
export const statementAmount = (plaid: string) => (plaid.startsWith('-') ? plaid.slice(1) : plaid === '0' || /^0(\.0+)?$/.test(plaid) ? plaid : `-${plaid}`);

export function csvLine(t: ExplorerRow): string {
  return [
    csvField(t.date, false), csvField(t.authorized_date, false), t.pending ? 'pending' : 'posted', csvField(t.account_label),
    csvField(t.name), csvField(t.merchant_name), csvField(statementAmount(t.amount), false), csvField(t.currency),
    csvField(t.category?.label ?? null), csvField(t.category?.detailed_label ?? null), csvField(t.payment_channel),
    csvField(t.plaid_transaction_id ?? t.id),
  ].join(',') + '\r\n';
}

export async function exportTransactions(ctx: UserContext, filters: Filters): Promise<Response> {
  await checkAccounts(ctx, filters);
  // Each export reads every matching row (and holds an isolate while the client reads): a bucket per user.
  await limitUserCall(ctx, 'export');
  const encoder = new TextEncoder();
  const started = Date.now();
  let after: Keyset | undefined;
  let rows = 0, batches = 0, peak = heapUsed(), done = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // A byte-order mark so spreadsheet apps read UTF-8 names right, then the header.
      controller.enqueue(encoder.encode(`\ufeff${HEADER.join(',')}\r\n`));
    },
    // Called when the consumer wants more: one batch per pull, so a slow reader holds back the reads.
    async pull(controller) {
      try {
        const batch = await selectPage(ctx, filters, BATCH - 1, after);
        batches++;
        rows += batch.length;
        controller.enqueue(encoder.encode(batch.map(csvLine).join('')));
        const last = batch.at(-1);
        peak = Math.max(peak, heapUsed());
        if (batch.length < BATCH || !last) {
          done = true;
          ctx.log.info('export_done', { rows, batches, ms: Date.now() - started, peak_heap_mb: Math.round(peak / 1048576) });
          controller.close();
        } else after = { date: last.date, id: last.id };
      } catch (e) {
        ctx.log.error('export_failed', { rows, message: e instanceof Error ? e.message : String(e) });
        controller.error(e);
      }
    },
    cancel() {
      if (!done) ctx.log.info('export_cancelled', { rows, batches });
    },
  }, { highWaterMark: 1 });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="nestfolio-transactions-${day}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
