// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// POST /transactions/sync and /transactions/refresh. Sync reads the Item's change log (txlog.ts): a page
// holds the net change per transaction since the loop's first cursor; a mid-loop cursor whose snapshot
// is older than the log answers TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, as Plaid does.
import { PlaidApiError } from '../errors.ts';
import { accountJson } from '../data/accounts.ts';
import { genContext, txForResponse, type Tx } from '../data/transactions.ts';
import { decodeCursor, encodeCursor, finalCursor, type Cursor } from '../cursor.ts';
import { TxLog } from '../txlog.ts';
import { refresh } from '../txops.ts';
import { requireProduct, type Handler } from './types.ts';
import type { Item } from '../items.ts';
import type { EmulatorState } from '../state.ts';

/** /transactions/sync on an Item without Transactions initializes the product (Plaid behaviour). */
function initTransactions(state: EmulatorState, item: Item, daysRequested: number | undefined): void {
  requireProduct(item, 'transactions');
  if (item.tx.length === 0 && item.txStatus === 'NOT_READY') {
    if (daysRequested) item.daysRequested = daysRequested;
    const size = state.config.history_size ?? 4 * item.daysRequested;
    item.historySize = size;
    item.gen = genContext(state.seed, item.key, item.gen.anchorMs, size, item.daysRequested, item.accounts, item.persona.dynamic, item.persona.incomeScale);
    item.tx = new TxLog(item.gen);
    state.startTransactions(item);
  }
}

export const transactionsSync: Handler = ({ state, body, delivery }) => {
  const item = state.healthyItemFor(body.access_token);
  const opts = body.options ?? {};
  if (!item.products.includes('transactions')) initTransactions(state, item, opts.days_requested);
  item.syncActivated = true;
  const accountId: string | undefined = opts.account_id;
  if (accountId !== undefined && !item.accounts.some((a) => a.account_id === accountId)) throw new PlaidApiError('INVALID_ACCOUNT_ID');
  const count: number = body.count ?? 100;
  const log = item.tx;
  const status = item.txStatus;
  const raw: string = body.cursor ?? '';

  if (status === 'NOT_READY' && log.length === 0) {
    return { accounts: [], added: [], has_more: false, modified: [], next_cursor: '', removed: [], transactions_update_status: status };
  }
  const key = state.cursorKey;
  const enc = (c: Cursor) => encodeCursor(c, item.item_id, accountId, key);
  if (raw === 'now') {
    return { accounts: [], added: [], has_more: false, modified: [], next_cursor: enc(finalCursor(log.length)), removed: [], transactions_update_status: status };
  }
  let cur: Cursor;
  if (raw === '') cur = { ...finalCursor(0), end: log.length };
  else {
    const dec = decodeCursor(raw, item.item_id, accountId, key);
    if (!dec || dec.end > log.length) throw new PlaidApiError('INVALID_FIELD', { message: 'cursor is not valid for this item' });
    if (dec.mid && dec.end !== log.length) throw new PlaidApiError('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION');
    cur = dec.mid ? dec : { ...dec, end: log.length };
  }

  // A rule for page K: this page (or the error) is decided now and delivered late, or never.
  const fault = state.faults.take('/transactions/sync', { itemId: item.item_id, page: cur.page });
  if (fault) {
    delivery.latencyMs = fault.latency_ms;
    if (fault.hang) delivery.hangMs = fault.hang_ms;
    if (fault.error_code) throw new PlaidApiError(fault.error_code, { message: 'injected fault' });
  }

  const { changes, hasMore } = log.changes(cur.p0, cur.from, count, accountId);
  const txOpts = { includeOriginalDescription: opts.include_original_description === true, pfcVersion: opts.personal_finance_category_version };
  const added: Tx[] = [], modified: Tx[] = [], removed: Array<{ account_id: string; transaction_id: string }> = [];
  const touched = new Set<string>();
  for (const c of changes) {
    touched.add(c.accountId);
    if (c.kind === 'removed') removed.push({ account_id: c.accountId, transaction_id: c.id });
    else (c.kind === 'added' ? added : modified).push(txForResponse(c.tx!, txOpts));
  }
  const next: Cursor = hasMore
    ? { p0: cur.p0, from: changes[changes.length - 1].pos + 1, end: log.length, page: cur.page + 1, mid: true }
    : finalCursor(log.length);
  return {
    accounts: item.accounts.filter((a) => touched.has(a.account_id)).map((a) => accountJson(a)),
    added,
    has_more: hasMore,
    modified,
    next_cursor: enc(next),
    removed,
    transactions_update_status: status,
  };
};

export const transactionsRefresh: Handler = ({ state, body }) => {
  const item = state.healthyItemFor(body.access_token);
  if (!item.products.includes('transactions')) {
    throw new PlaidApiError('PRODUCTS_NOT_SUPPORTED', { message: 'the Item does not have the transactions product' });
  }
  refresh(state, item);
  return {};
};
