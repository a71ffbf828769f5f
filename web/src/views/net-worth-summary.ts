// The top of the Accounts page: net worth per currency (never added across currencies), then the
// accounts grouped by kind — cash, credit cards, loans, investments, other — each group with its total
// and its accounts by institution, and the subtotal per institution. Read from net-worth; refreshed
// whenever the polled overview changes (a sync or an edit moved a balance).
import type { AppContext } from '../context.ts';
import { h, replaceChildren, uid } from '../dom.ts';
import { bankLabel, day, money } from '../format.ts';
import { errorMessage } from '../messages.ts';
import { LoadError } from './load-error.ts';
import { KIND_LABELS, type Kind, type NetWorth, type NetWorthAccount } from '../insights-types.ts';

export function totalsLine(t: { currency: string; assets: string; liabilities: string; net_worth: string }): HTMLElement {
  return h('div', { class: 'totals', 'data-testid': 'net-worth-total', 'data-currency': t.currency },
    h('p', { class: 'net-worth' }, h('span', { class: 'label' }, `Net worth${t.currency ? ` (${t.currency})` : ''}`),
      h('strong', { class: 'amount' }, money(t.net_worth, t.currency))),
    h('p', { class: 'muted' }, `Assets ${money(t.assets, t.currency)} · Liabilities ${money(t.liabilities, t.currency)}`));
}

/** A balance as the user reads it: what is owed is shown as owed. */
export function balanceText(a: NetWorthAccount): string {
  if (a.balance === null) return 'No balance yet';
  return a.is_liability ? `${money(a.balance, a.currency)} owed` : money(a.balance, a.currency);
}

/** Why an account listed is not in the totals, in words (null when it is counted or hidden). */
export function notCountedReason(a: NetWorthAccount): string | null {
  if (a.in_totals || a.hidden) return null;
  if (a.closed_on) return `closed on ${day(a.closed_on)}`;
  if (a.exclude_from_totals) return 'left out by you';
  return a.balance === null ? 'no balance yet' : 'no currency';
}

export class NetWorthSummary {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly status: HTMLElement;
  private readonly failed = new LoadError(() => void this.refresh());
  private loading: Promise<void> | null = null;
  private again = false;

  constructor(private readonly ctx: AppContext) {
    const headingId = uid('net-worth');
    this.status = h('p', { class: 'muted', role: 'status' }, 'Loading your net worth…');
    this.body = h('div');
    this.el = h('section', { class: 'card net-worth-summary', 'aria-labelledby': headingId, 'data-testid': 'net-worth-summary' },
      h('div', { class: 'section-header' }, h('h2', { id: headingId }, 'Net worth'),
        h('a', { href: '#/net-worth', class: 'link-button' }, 'Net worth over time')),
      this.status, this.failed.el, this.body);
  }

  /** Loads again; calls while a load runs coalesce into one more load after it. */
  refresh(): Promise<void> {
    if (this.loading) { this.again = true; return this.loading; }
    this.loading = this.load().finally(() => {
      this.loading = null;
      if (this.again) { this.again = false; void this.refresh(); }
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      this.render(await this.ctx.api.netWorth());
      this.status.textContent = '';
      this.failed.clear();
    } catch (e) {
      this.status.textContent = '';
      this.failed.show(errorMessage(e, 'Loading your net worth'));
    }
  }

  private render(nw: NetWorth): void {
    if (!nw.accounts.length) {
      replaceChildren(this.body, h('p', { class: 'muted' }, 'Connect a bank or add a manual account to see your net worth.'));
      return;
    }
    const excluded = nw.accounts.filter((a) => !a.in_totals && !a.hidden);
    const groups = (Object.keys(KIND_LABELS) as Kind[]).map((kind) => ({ kind, accounts: nw.accounts.filter((a) => a.kind === kind && !a.hidden) }))
      .filter((g) => g.accounts.length);
    replaceChildren(this.body,
      nw.totals.length ? h('div', { class: 'totals-row' }, ...nw.totals.map(totalsLine))
        : h('p', { class: 'muted' }, 'None of your accounts is counted in totals yet.'),
      excluded.length ? h('p', { class: 'muted', 'data-testid': 'not-counted' }, `Not counted: ${excluded.map((a) => `${a.label} (${notCountedReason(a)})`).join(', ')}.`) : null,
      ...groups.map((g) => this.group(g.kind, g.accounts, nw)),
      nw.institutions.length ? h('details', { class: 'institutions' }, h('summary', {}, 'Totals by institution'),
        h('ul', { class: 'plain-list' }, ...nw.institutions.map((i) => h('li', {},
          h('span', {}, `${bankLabel(i.institution_name, i.institution_id !== null || nw.accounts.some((a) => a.item_id !== null && a.institution_name === i.institution_name), 'Manual accounts')}${nw.totals.length > 1 ? ` (${i.currency})` : ''}`),
          h('span', { class: 'amount' }, money(i.net_worth, i.currency)))))) : null);
  }

  private group(kind: Kind, accounts: NetWorthAccount[], nw: NetWorth): HTMLElement {
    const id = uid('kind');
    const totals = nw.kinds.filter((k) => k.kind === kind);
    return h('section', { class: 'kind-group', 'aria-labelledby': id, 'data-testid': 'kind-group', 'data-kind': kind },
      h('div', { class: 'section-header' }, h('h3', { id }, KIND_LABELS[kind]),
        h('span', { class: 'amount' }, totals.map((t) => money(kind === 'credit' || kind === 'loan' ? t.liabilities : t.assets, t.currency)).join(' · '))),
      h('ul', { class: 'plain-list' }, ...accounts.map((a) => h('li', { 'data-testid': 'kind-account' },
        h('a', { href: `#/accounts/${a.account_id}` }, a.label),
        h('span', { class: 'muted' }, bankLabel(a.institution_name, a.item_id !== null, 'Manual')),
        h('span', { class: 'amount' }, balanceText(a), a.in_totals ? null
          : h('span', { class: 'badge tone-muted' }, a.closed_on ? 'Closed' : 'Not in totals'))))));
  }
}
