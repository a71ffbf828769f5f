// The Accounts page: net worth at the top (NetWorthSummary), then every connection (institution,
// status, actions, records set aside, its accounts by kind) and the manual accounts, grouped by
// institution, and "Delete all my bank data". Cards and rows are keyed by id and kept across polls.
import { type AppContext, takeReturn } from '../context.ts';
import type { LinkReturn } from '../plaid-link.ts';
import { h, replaceChildren, uid } from '../dom.ts';
import { timeAgo } from '../format.ts';
import { connectAccounts } from '../flows.ts';
import { errorMessage } from '../messages.ts';
import { accountFreshness } from '../connection-state.ts';
import { refreshAll } from '../refresh-all.ts';
import type { StoreState } from '../store.ts';
import type { Account, Item, Overview } from '../types.ts';
import { AccountRow, type RowData } from './account-row.ts';
import { addManualAccount } from './account-dialogs.ts';
import { deleteAllBankData } from './delete-all-dialog.ts';
import { ConnectionCard } from './connection-card.ts';
import { NetWorthSummary } from './net-worth-summary.ts';

// Accounts in a group by kind (cash, credit, loans, investments, other), then by name.
const KIND_ORDER: Record<string, number> = { depository: 1, credit: 2, loan: 3, investment: 4, brokerage: 4 };
const byKind = (a: Account, b: Account) => (KIND_ORDER[a.type] ?? 5) - (KIND_ORDER[b.type] ?? 5) || a.label.localeCompare(b.label);

const SHOW_HIDDEN_KEY = 'nestfolio.showHiddenAccounts';

/** Puts children in order, moving only what is out of place (moving a node would drop its focus). */
function reorder(parent: Element, wanted: Element[]): void {
  wanted.forEach((el, i) => { if (parent.children[i] !== el) parent.insertBefore(el, parent.children[i] ?? null); });
  while (parent.children.length > wanted.length) parent.lastElementChild!.remove();
}

export function accountsPage(ctx: AppContext): { el: HTMLElement; dispose(): void } {
  const cards = new Map<string, ConnectionCard>();
  const rows = new Map<string, AccountRow>();
  const connections = h('div', { class: 'connections' });
  const manualHeadingId = uid('manual');
  const manualList = h('ul', { class: 'account-list', 'aria-labelledby': manualHeadingId });
  const manualEmpty = h('p', { class: 'muted' }, 'No manual accounts. Add one for cash, property or a bank Plaid cannot connect.');
  const manual = h('section', { class: 'card', 'aria-labelledby': manualHeadingId, 'data-testid': 'manual-accounts' },
    h('h2', { id: manualHeadingId }, 'Manual accounts'), manualList, manualEmpty);
  // The choice survives a reload (this browser only: it is a view preference, not account data).
  const showHidden = h('input', { type: 'checkbox', id: uid('show-hidden'), checked: localStorage.getItem(SHOW_HIDDEN_KEY) === '1' });
  const message = h('p', { role: 'status', class: 'page-message', 'data-testid': 'page-message' });
  // Loading failed: what, in words, with Retry; shown until a load succeeds.
  const errorText = h('p', { role: 'alert', 'data-testid': 'page-error-text' });
  const retry = h('button', { type: 'button', class: 'secondary', onclick: () => { errorText.textContent = 'Trying again…'; void ctx.store.refresh(); } }, 'Retry');
  const error = h('div', { class: 'page-error callout tone-error', 'data-testid': 'page-error', hidden: true }, errorText, retry);
  const loading = h('p', { class: 'muted', role: 'status' }, 'Loading your accounts…');
  const refreshAllButton = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => void refreshEverything() }, 'Refresh all');
  let refreshing = false;
  async function refreshEverything(): Promise<void> {
    if (refreshing) return;
    refreshing = true;
    refreshAllButton.setAttribute('aria-disabled', 'true');
    try {
      await refreshAll(ctx.api, ctx.store.state.overview?.items ?? [], (m) => { message.textContent = m; });
      await ctx.store.refresh();
    } finally {
      refreshing = false;
      refreshAllButton.removeAttribute('aria-disabled');
    }
  }
  const connect = async (back?: LinkReturn) => {
    connectButton.disabled = true;
    await connectAccounts(ctx, (m) => { message.textContent = m; }, back);
    connectButton.disabled = false;
    if (document.activeElement === document.body) connectButton.focus();
  };
  const connectButton = h('button', { type: 'button', class: 'primary', onclick: () => void connect() }, 'Connect accounts');
  const deleteAll = h('section', { class: 'card danger-zone', 'aria-labelledby': 'delete-all-heading' },
    h('h2', { id: 'delete-all-heading' }, 'Delete all my bank data'),
    h('p', {}, 'Disconnects every bank from Nestfolio and Plaid and deletes every account, manual ones included, with all transactions, holdings and loan details. Your sign-in stays.'),
    h('button', { type: 'button', class: 'danger-outline', onclick: () => deleteAllBankData(ctx) }, 'Delete all my bank data'));

  const summary = new NetWorthSummary(ctx);
  let totalsKey = '';
  const el = h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, 'Accounts'),
    summary.el,
    h('div', { class: 'toolbar' }, connectButton, refreshAllButton,
      h('button', { type: 'button', class: 'secondary', onclick: () => addManualAccount(ctx) }, 'Add manual account'),
      h('span', { class: 'toggle' }, showHidden, h('label', { for: showHidden.id }, 'Show hidden accounts'))),
    message, error, loading, connections, manual, deleteAll);

  const rowFor = (a: Account, o: Overview, manualAccounts: Account[]): AccountRow => {
    const item = o.items.find((i) => i.id === a.item_id);
    const data: RowData = {
      account: a,
      liability: o.liabilities.find((l) => l.account_id === a.id) ?? null,
      holdings: o.holdings.find((x) => x.account_id === a.id) ?? null,
      syncMarker: item ? `${item.last_synced_at}|${item.transactions_synced}` : '',
      freshness: accountFreshness(a.balance_updated_at, item ?? null, Date.now()),
      manualAccounts,
    };
    let row = rows.get(a.id);
    if (row) row.update(data); else rows.set(a.id, row = new AccountRow(ctx, data));
    return row;
  };

  let failedBefore = false;
  function render(state: StoreState): void {
    // Never an endless "Loading…" nor an empty state for what did not load: what failed, and Retry.
    error.hidden = !state.error;
    const errorWords = !state.error ? '' : state.overview
      ? `${errorMessage(state.error, 'Updating your accounts')} What you see was loaded ${timeAgo(new Date(state.loadedAt!).toISOString())}; statuses are not confirmed until it works again.`
      : errorMessage(state.error, 'Loading your accounts');
    // Set only when the words change, so a screen reader hears a failing poll once, not every time.
    if (errorText.textContent !== errorWords) errorText.textContent = errorWords;
    loading.hidden = state.error !== null || state.overview !== null;
    const o = state.overview;
    for (const part of [summary.el, manual, deleteAll]) part.hidden = !o;
    if (!o) return;
    const recovered = failedBefore && !state.error;
    failedBefore = state.error !== null;
    refreshAllButton.hidden = o.items.length === 0;
    // By kind, then the name the user sees (their own label when they renamed an account).
    const visible = o.accounts.filter((a) => showHidden.checked || !a.hidden).sort(byKind);
    // The totals follow every change of what they are made of, and of how they are grouped (a removed
    // connection's kept accounts leave its institution).
    const key = JSON.stringify(o.accounts.map((a) => [a.id, a.current_balance, a.currency, a.hidden, a.type, a.label, a.exclude_from_totals, a.closed_at,
      a.item_id, a.institution_name, a.source]));
    if (key !== totalsKey || recovered) { totalsKey = key; void summary.refresh(); }
    const manualAccounts = o.accounts.filter((a) => a.source === 'manual');
    const seenRows = new Set<string>();
    // The same bank connected twice: each card says which accounts it has.
    const sameBank = (i: Item) => o.items.filter((x) => (x.institution_id ?? x.institution_name) === (i.institution_id ?? i.institution_name)).length > 1;
    const wantedCards = o.items.map((item) => {
      let card = cards.get(item.id);
      if (card) card.update(item, state.error !== null); else cards.set(item.id, card = new ConnectionCard(ctx, item, state.error !== null));
      const own = o.accounts.filter((a) => a.item_id === item.id);
      card.showAccounts(sameBank(item)
        ? own.length ? `Accounts: ${own.map((a) => `${a.label}${a.mask ? ` ••${a.mask}` : ''}`).join(', ')}` : 'No accounts yet'
        : null);
      const shown = visible.filter((a) => a.item_id === item.id).map((a) => { seenRows.add(a.id); return rowFor(a, o, manualAccounts); });
      reorder(card.accountList, shown.map((r) => r.el));
      return card;
    });
    for (const [id] of cards) if (!o.items.some((i) => i.id === id)) cards.delete(id);
    reorder(connections, wantedCards.map((c) => c.el));
    const manualRows = visible.filter((a) => !a.item_id).map((a) => { seenRows.add(a.id); return rowFor(a, o, manualAccounts); });
    reorder(manualList, manualRows.map((r) => r.el));
    manualEmpty.hidden = manualRows.length > 0;
    for (const [id] of rows) if (!seenRows.has(id)) rows.delete(id);
    if (!o.items.length && !o.accounts.length) {
      replaceChildren(connections, h('div', { class: 'card empty' },
        h('p', {}, 'No accounts yet. Connect your bank through Plaid, or add a manual account.')));
    }
  }

  // Back from an OAuth bank: finish the Link session this page started.
  const taken = takeReturn(ctx);
  let back: Extract<LinkReturn, { purpose: 'update' }> | null = null;
  if (taken && 'error' in taken) error.textContent = taken.error;
  else if (taken?.purpose === 'create') void connect(taken);
  else if (taken) back = taken;
  const resumeUpdate = (o: Overview) => {
    if (!back) return;
    const card = cards.get(back.itemId);
    if (card) void card.resumeUpdate(back);
    else if (!o.items.some((i) => i.id === back!.itemId)) error.textContent = 'The connection you were reconnecting is no longer there.';
    back = null;
  };

  showHidden.addEventListener('change', () => {
    localStorage.setItem(SHOW_HIDDEN_KEY, showHidden.checked ? '1' : '0');
    render(ctx.store.state);
  });
  const unsubscribe = ctx.store.subscribe((state) => { render(state); if (state.overview) resumeUpdate(state.overview); });
  // Relative times ("3 minutes ago") and rate-limit notes age without new data.
  const ticker = setInterval(() => { for (const c of cards.values()) c.tick(); }, 30_000);
  void ctx.store.refresh();
  return { el, dispose() { unsubscribe(); clearInterval(ticker); } };
}
