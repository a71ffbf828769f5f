// "Refresh all": a sync request and, where the per-connection interval allows, a balance refresh for
// every connection that can update, one call at a time. The server's limits stay the server's (per
// user and per connection, README § Security model): a 429 is waited out for its Retry-After and the
// call tried again, and the user is told which connections wait and until when. Connections that need
// the user (sign in again, revoked) are skipped and named.
import { ApiError, type Api } from './api.ts';
import { connectionState } from './connection-state.ts';
import { time } from './format.ts';
import { errorMessage } from './messages.ts';
import type { Item } from './types.ts';

export type RefreshAllReport = (message: string, tone: 'progress' | 'done' | 'error') => void;

const MAX_WAITS = 3;

const bankOf = (i: Item) => i.institution_name ?? 'A connection';

/** Runs `call`, waiting out up to MAX_WAITS 429s; resolves false when it was still refused. */
async function withinLimits(call: () => Promise<unknown>, waiting: (until: Date) => void, sleep: (ms: number) => Promise<void>): Promise<boolean> {
  for (let waits = 0; ; waits++) {
    try { await call(); return true; } catch (e) {
      const seconds = e instanceof ApiError && e.code === 'RATE_LIMITED' ? Number(e.details?.retry_after_seconds) : NaN;
      if (!Number.isFinite(seconds) || waits >= MAX_WAITS) throw e;
      const until = new Date(Date.now() + Math.max(1, seconds) * 1000);
      waiting(until);
      await sleep(until.getTime() - Date.now());
    }
  }
}

export async function refreshAll(api: Api, items: Item[], report: RefreshAllReport,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<void> {
  const now = Date.now();
  const skipped = items.filter((i) => ['needs_reconnect', 'revoked', 'error'].includes(connectionState(i, now).kind));
  const todo = items.filter((i) => !skipped.includes(i));
  const requested: string[] = [];
  const balancesLater: string[] = [];
  const failed: string[] = [];
  for (const [n, item] of todo.entries()) {
    const bank = bankOf(item);
    report(`Refreshing ${bank} (${n + 1} of ${todo.length})…`, 'progress');
    const waiting = (until: Date) => report(`Too many refresh requests in a short time: Nestfolio continues with ${bank} at ${time(until.toISOString())} by itself.`, 'progress');
    try {
      await withinLimits(() => api.syncNow(item.id), waiting, sleep);
      requested.push(bank);
      const allowedAt = item.balance_refresh_available_at ? Date.parse(item.balance_refresh_available_at) : 0;
      if (allowedAt > Date.now()) { balancesLater.push(`${bank} (at ${time(item.balance_refresh_available_at!)})`); continue; }
      try {
        await api.refreshBalances(item.id);
      } catch (e) {
        // The per-connection balance interval (another tab refreshed them): not an error, say when.
        if (!(e instanceof ApiError && e.code === 'RATE_LIMITED' && typeof e.details?.next_allowed_at === 'string')) throw e;
        balancesLater.push(`${bank} (at ${time(e.details.next_allowed_at)})`);
      }
    } catch (e) {
      failed.push(errorMessage(e, `Refreshing ${bank}`));
    }
  }
  const parts = [
    requested.length ? `${requested.length === 1 ? `${requested[0]} is` : `${requested.length} connections are`} updating; each shows what changed when done.` : 'Nothing was refreshed.',
    balancesLater.length ? `Balances were refreshed recently, so they are not refreshed again yet for ${balancesLater.join(', ')}.` : null,
    skipped.length ? `Not refreshed because they need you first: ${skipped.map(bankOf).join(', ')}.` : null,
    ...failed,
  ].filter(Boolean);
  report(parts.join(' '), failed.length ? 'error' : 'done');
}
