// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Changes to an Item's transactions (control API, /transactions/refresh, /sandbox/transactions/create).
// Each change is appended to the Item's log and then announced with Plaid's webhooks.
import { makeTx, genId, isoDate, utcMidnight, type Tx } from './data/transactions.ts';
import { MERCHANT_BY_KEY, pickMerchant, type Merchant } from './data/merchants.ts';
import { Rng } from './rng.ts';
import type { Item } from './items.ts';
import type { EmulatorState } from './state.ts';
import type { Entry } from './txlog.ts';

export class TxOpError extends Error {}

export type NewTx = {
  account_id?: string;
  amount: number;
  name?: string;
  merchant?: string;
  merchant_name?: string | null;
  date?: string;
  authorized_date?: string | null;
  pending?: boolean;
  original_description?: string;
  iso_currency_code?: string;
  personal_finance_category?: { primary: string; detailed: string };
};

const MODIFIABLE = new Set(['amount', 'name', 'merchant_name', 'date', 'authorized_date', 'personal_finance_category', 'original_description', 'iso_currency_code', 'category', 'check_number', 'account_owner', 'payment_channel', 'location', 'website', 'logo_url', 'authorized_datetime', 'datetime']);

/** A merchant for a free-form transaction (no logo, no entity; categorized by sign). */
function customMerchant(name: string, amount: number, pfc?: { primary: string; detailed: string }): Merchant {
  const income = amount < 0;
  return {
    key: 'custom', name, merchant: null, raw: name.toUpperCase(), website: null,
    pfc: pfc ? [pfc.primary, pfc.detailed] : income ? ['TRANSFER_IN', 'TRANSFER_IN_DEPOSIT'] : ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE'],
    category: income ? ['Transfer', 'Deposit'] : ['Shops'], category_id: income ? '21007000' : '19000000',
    channel: 'other', code: null, min: amount, max: amount, weight: 0, account: 'checking', counterparty: null,
  };
}

function today(state: EmulatorState): string {
  return isoDate(utcMidnight(state.now()));
}

function requireAccount(item: Item, id: string | undefined): string {
  if (!id) return item.gen.checking ?? item.gen.fallback;
  if (!item.accounts.some((a) => a.account_id === id)) throw new TxOpError(`account ${id} is not on item ${item.item_id}`);
  return id;
}

export function buildNewTx(state: EmulatorState, item: Item, t: NewTx): Tx {
  if (typeof t.amount !== 'number' || !Number.isFinite(t.amount)) throw new TxOpError('amount (number) is required');
  const catalog = t.merchant ? MERCHANT_BY_KEY.get(t.merchant) : undefined;
  if (t.merchant && !catalog) throw new TxOpError(`unknown merchant ${t.merchant}; known: ${[...MERCHANT_BY_KEY.keys()].join(', ')}`);
  const merchant = catalog ?? customMerchant(t.name ?? 'Custom Transaction', t.amount, t.personal_finance_category);
  const date = t.date ?? today(state);
  const tx = makeTx({
    transaction_id: state.nextExplicitTxId(item),
    account_id: requireAccount(item, t.account_id),
    merchant,
    amount: Math.round(t.amount * 100) / 100,
    date,
    authorized_date: t.authorized_date === undefined ? date : t.authorized_date,
    pending: t.pending === true,
    name: t.name,
    raw: t.original_description,
  });
  if (t.merchant_name !== undefined) tx.merchant_name = t.merchant_name;
  if (t.iso_currency_code) tx.iso_currency_code = t.iso_currency_code;
  return tx;
}

function currentOrThrow(item: Item, id: string): Tx {
  const cur = item.tx.current(id);
  if (!cur) throw new TxOpError(cur === null ? `transaction ${id} was removed` : `transaction ${id} not found on item ${item.item_id}`);
  return cur;
}

export function addTransactions(state: EmulatorState, item: Item, list: NewTx[], notify = true): Tx[] {
  const txs = list.map((t) => buildNewTx(state, item, t));
  item.tx.appendExplicit(txs.map((tx) => ({ id: tx.transaction_id, tx, accountId: tx.account_id })));
  if (notify) state.transactionsChanged(item, txs.length, []);
  return txs;
}

export function modifyTransaction(state: EmulatorState, item: Item, id: string, patch: Record<string, unknown>, notify = true): Tx {
  const cur = currentOrThrow(item, id);
  const bad = Object.keys(patch).filter((k) => !MODIFIABLE.has(k));
  if (bad.length) throw new TxOpError(`cannot modify ${bad.join(', ')} (allowed: ${[...MODIFIABLE].join(', ')}); use /post to post a pending transaction`);
  const next = { ...cur, ...patch } as Tx;
  if (typeof next.amount === 'number') next.amount = Math.round(next.amount * 100) / 100;
  item.tx.appendExplicit([{ id, tx: next, accountId: next.account_id }]);
  if (notify) state.transactionsChanged(item, 0, []);
  return next;
}

export function removeTransaction(state: EmulatorState, item: Item, id: string, notify = true): void {
  const cur = currentOrThrow(item, id);
  item.tx.appendExplicit([{ id, tx: null, accountId: cur.account_id }]);
  if (notify) state.transactionsChanged(item, 0, [id]);
}

/** Pending -> posted as Plaid does it: the pending id is removed, a new posted transaction is added
 *  whose pending_transaction_id is the pending id. */
export function postPending(state: EmulatorState, item: Item, id: string, opts: { amount?: number; date?: string } = {}, notify = true): Tx {
  const cur = currentOrThrow(item, id);
  if (!cur.pending) throw new TxOpError(`transaction ${id} is not pending`);
  let date = opts.date ?? today(state);
  if (cur.authorized_date && date < cur.authorized_date) date = cur.authorized_date;
  const posted: Tx = {
    ...cur,
    transaction_id: state.nextExplicitTxId(item),
    pending: false,
    pending_transaction_id: id,
    amount: opts.amount !== undefined ? Math.round(opts.amount * 100) / 100 : cur.amount,
    date,
    datetime: cur.authorized_datetime ? `${date}${cur.authorized_datetime.slice(10)}` : null,
  };
  const entries: Entry[] = [
    { id, tx: null, accountId: cur.account_id },
    { id: posted.transaction_id, tx: posted, accountId: posted.account_id },
  ];
  item.tx.appendExplicit(entries);
  if (notify) state.transactionsChanged(item, 1, [id]);
  return posted;
}

/**
 * /transactions/refresh for user_transactions_dynamic (Plaid docs): new pending transactions appear,
 * all previously pending ones post, and one earlier transaction's amount goes up by $1.00.
 * Other users have no new data, so nothing changes.
 */
export function refresh(state: EmulatorState, item: Item): { added: number; removed: string[] } {
  if (!item.persona.dynamic || item.txStatus === 'NOT_READY') return { added: 0, removed: [] };
  const rng = Rng.of(state.seed, `${item.key}:refresh:${item.tx.length}`);
  const removed: string[] = [];
  let added = 0;
  for (const id of [...item.tx.pending].sort()) {
    postPending(state, item, id, {}, false);
    removed.push(id);
    added++;
  }
  const fresh: NewTx[] = [];
  for (let i = rng.int(1, 3); i > 0; i--) {
    const m = pickMerchant(rng.next());
    fresh.push({ amount: rng.money(Math.max(1, m.min), Math.max(2, m.max)), merchant: m.key, pending: true });
  }
  added += addTransactions(state, item, fresh, false).length;
  // bump one posted transaction from the newest generated days
  for (let g = 0; g < item.tx.genCount; g++) {
    const tx = item.tx.current(genId(item.gen, g));
    if (tx && !tx.pending) {
      modifyTransaction(state, item, tx.transaction_id, { amount: tx.amount + 1 }, false);
      break;
    }
  }
  state.transactionsChanged(item, added, removed);
  return { added, removed };
}
