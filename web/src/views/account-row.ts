// One account in the list: a disclosure (<details>) whose summary shows the name, mask, kind and
// balance; opening it shows the liability or holdings summary, the account's actions and its recent
// transactions. The element persists across polls (update() changes text in place), so focus and
// what the user opened survive every refresh.
import type { AppContext } from '../context.ts';
import { h, replaceChildren } from '../dom.ts';
import { day, humanize, money, count } from '../format.ts';
import type { Account, Holdings, Liability } from '../types.ts';
import { TransactionsList } from './transactions.ts';
import {
  closeOrDelete, editManualAccount, kindLabel, linkableTo, linkToManual, renameSynced, reopen, setHidden, setInTotals, unlink,
} from './account-dialogs.ts';

export type RowData = {
  account: Account;
  liability: Liability | null;
  holdings: Holdings | null;
  /** Changes whenever a sync may have changed the account's transactions. */
  syncMarker: string;
  /** "Balance from 3 days ago" when this account's balance is older than its connection's update. */
  freshness: string | null;
  manualAccounts: Account[];
};

/** What the row shows of an account (the overview row also carries sync fields that change often). */
const shownFields = (a: Account) => JSON.stringify([a.label, a.mask, a.hidden, a.type, a.subtype, a.source, a.current_balance,
  a.available_balance, a.credit_limit, a.currency, a.unofficial_currency_code, a.closed_at, a.exclude_from_totals, a.link_undoable,
  a.institution_name, a.item_id]);

export class AccountRow {
  readonly el: HTMLLIElement;
  private readonly details: HTMLDetailsElement;
  private readonly summary: HTMLElement;
  private readonly body: HTMLElement;
  private data: RowData;
  private transactions: TransactionsList | null = null;
  // Parts are rebuilt only when what they show changed, so a poll never takes focus from a button.
  private summaryKey = '';
  private bodyKey = '';

  constructor(private readonly ctx: AppContext, data: RowData) {
    this.data = data;
    this.summary = h('summary');
    this.body = h('div', { class: 'account-body' });
    this.details = h('details', {}, this.summary, this.body);
    // The summary says whether the row is open, to screen readers (aria-expanded) and to the eye (the
    // chevron turns), since the grid layout drops the browser's own marker.
    this.summary.setAttribute('aria-expanded', 'false');
    this.details.addEventListener('toggle', () => {
      this.summary.setAttribute('aria-expanded', String(this.details.open));
      if (this.details.open) this.opened();
    });
    this.el = h('li', { class: 'account', 'data-account-id': data.account.id, 'data-testid': 'account' }, this.details);
    this.render(null);
  }

  update(data: RowData): void {
    const previous = this.data;
    this.data = data;
    this.render(previous);
  }

  private opened(): void {
    if (!this.transactions) {
      this.transactions = new TransactionsList(this.ctx, this.data.account.id, this.data.account.label);
      this.renderBody();
      void this.transactions.reload();
    }
  }

  private render(previous: RowData | null): void {
    const a = this.data.account;
    const summaryKey = `${shownFields(a)}|${this.data.freshness}`;
    if (summaryKey !== this.summaryKey) { this.summaryKey = summaryKey; this.renderSummary(); }
    if (this.transactions) {
      this.renderBody();
      if (previous && previous.syncMarker !== this.data.syncMarker) void this.transactions.reload();
    }
  }

  private renderSummary(): void {
    const a = this.data.account;
    // A manual account kept from a removed connection still says which bank it came from.
    const origin = !a.item_id && a.institution_name ? ` · from ${a.institution_name} (disconnected)` : '';
    replaceChildren(this.summary,
      h('span', { class: 'account-name' }, h('span', { class: 'disclosure', 'aria-hidden': 'true' }), a.label, a.mask ? h('span', { class: 'mask' }, ` ••${a.mask}`) : null,
        a.hidden ? h('span', { class: 'badge tone-muted' }, 'Hidden') : null,
        a.closed_at ? h('span', { class: 'badge tone-muted', 'data-testid': 'closed' }, 'Closed') : null,
        a.exclude_from_totals && !a.closed_at ? h('span', { class: 'badge tone-muted' }, 'Not in totals') : null),
      h('span', { class: 'account-kind' }, `${kindLabel(a)}${origin}`),
      h('span', { class: 'account-balance', 'data-testid': 'balance' }, money(a.current_balance, a.currency ?? a.unofficial_currency_code),
        a.available_balance !== null && a.available_balance !== a.current_balance
          ? h('span', { class: 'muted' }, `${money(a.available_balance, a.currency)} available`) : null,
        a.credit_limit !== null ? h('span', { class: 'muted' }, `limit ${money(a.credit_limit, a.currency)}`) : null,
        this.data.freshness ? h('span', { class: 'muted', 'data-testid': 'account-freshness' }, this.data.freshness) : null));
  }

  private renderBody(): void {
    const d = this.data;
    const key = JSON.stringify([shownFields(d.account), d.liability, d.holdings,
      d.manualAccounts.map((m) => [m.id, m.label, m.type, m.currency, m.closed_at, m.current_balance])]);
    if (key === this.bodyKey) return;
    this.bodyKey = key;
    // A redraw (a poll, the reload after a dialog) must not drop keyboard focus to the page: the button
    // that had it is replaced by its namesake.
    const had = document.activeElement;
    const label = had instanceof HTMLButtonElement && this.body.contains(had) ? had.textContent : null;
    replaceChildren(this.body, this.liabilityLine(), this.holdingsBlock(), this.actions(), this.transactions?.el);
    if (label !== null && !had!.isConnected) [...this.body.querySelectorAll('button')].find((b) => b.textContent === label)?.focus();
  }

  private liabilityLine(): HTMLElement | null {
    const l = this.data.liability;
    if (!l) return null;
    const c = this.data.account.currency;
    const parts = [
      l.last_statement_balance !== null ? `Statement balance ${money(l.last_statement_balance, c)}` : null,
      l.minimum_payment_amount !== null ? `${l.kind === 'mortgage' ? 'Next payment' : 'Minimum payment'} ${money(l.minimum_payment_amount, c)}${l.next_payment_due_date ? ` due ${day(l.next_payment_due_date)}` : ''}` : null,
      l.interest_rate_percentage !== null ? `${l.kind === 'credit' ? 'APR' : 'Interest rate'} ${Number(l.interest_rate_percentage).toFixed(2)}%` : null,
      l.last_payment_amount !== null && l.last_payment_date ? `Last paid ${money(l.last_payment_amount, c)} on ${day(l.last_payment_date)}` : null,
    ].filter(Boolean);
    return h('div', { class: 'summary-block', 'data-testid': 'liability' },
      h('h3', {}, humanize(l.kind === 'credit' ? 'credit_card' : `${l.kind}_loan`)),
      l.is_overdue ? h('p', { class: 'callout tone-warn' }, `Payment overdue${l.past_due_amount ? `: ${money(l.past_due_amount, c)} past due` : ''}.`) : null,
      h('p', {}, parts.join(' · ')));
  }

  private holdingsBlock(): HTMLElement | null {
    const hs = this.data.holdings;
    if (!hs) return null;
    const shown = hs.positions.slice(0, 5);
    return h('div', { class: 'summary-block', 'data-testid': 'holdings' },
      h('h3', {}, `${count(hs.positions.length)} holding${hs.positions.length === 1 ? '' : 's'} worth ${money(hs.total_value, hs.currency)}`),
      h('ul', { class: 'holdings' }, ...shown.map((p) => h('li', {},
        h('span', {}, p.ticker ? `${p.ticker} · ${p.name ?? ''}` : p.name ?? 'Unnamed security'),
        h('span', { class: 'muted' }, `${Number(p.quantity).toLocaleString(undefined, { maximumFractionDigits: 4 })} × · ${money(p.value, hs.currency)}`)))),
      hs.positions.length > shown.length ? h('p', { class: 'muted' }, `and ${hs.positions.length - shown.length} more`) : null);
  }

  private actions(): HTMLElement {
    const a = this.data.account;
    const button = (label: string, onclick: () => void, cls = 'secondary') => h('button', { type: 'button', class: cls, onclick }, label);
    const totals = a.closed_at ? null
      : button(a.exclude_from_totals ? 'Count in totals' : 'Leave out of totals', () => void setInTotals(this.ctx, a, a.exclude_from_totals));
    // A linked account is unlinked first: linking it again would lose the manual account it was (the server refuses it).
    const linkable = a.source === 'plaid' && !a.link_undoable ? linkableTo(a, this.data.manualAccounts) : [];
    const buttons = a.source === 'manual'
      ? [
        button('Edit account', () => editManualAccount(this.ctx, a)),
        totals,
        a.closed_at ? button('Reopen account', () => void reopen(this.ctx, a)) : null,
        button('Close or delete…', () => closeOrDelete(this.ctx, a), 'danger-outline'),
      ]
      : [
        button('Rename', () => renameSynced(this.ctx, a)),
        button(a.hidden ? 'Show in lists' : 'Hide from lists', () => void setHidden(this.ctx, a, !a.hidden)),
        totals,
        linkable.length ? button('Link to a manual account', () => linkToManual(this.ctx, a, linkable)) : null,
        a.link_undoable ? button('Unlink', () => unlink(this.ctx, a)) : null,
      ];
    return h('div', { class: 'actions' }, ...buttons);
  }
}
