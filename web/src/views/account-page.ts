// One account: its balance over time (1M / 3M / 1Y / all, with a table), whether it counts in net
// worth, a card's available credit and utilisation, an investment account's holdings (price, value,
// cost basis, gain) and investment transactions, and a link to its transactions in the explorer.
import type { AppContext } from '../context.ts';
import { h, replaceChildren, uid } from '../dom.ts';
import { bankLabel, day, humanize, money } from '../format.ts';
import { errorMessage } from '../messages.ts';
import type { AccountHistory, Investments, NetWorthAccount, Range } from '../insights-types.ts';
import { KIND_LABELS } from '../insights-types.ts';
import { BalanceChart, rangePicker } from './chart.ts';
import { balanceText } from './net-worth-summary.ts';
import { LoadError } from './load-error.ts';
import { ApiError } from '../api.ts';

const percent = (ratio: string) => `${(Number(ratio) * 100).toFixed(1)}%`;

function cardBlock(a: NetWorthAccount): HTMLElement | null {
  if (a.kind !== 'credit') return null;
  const used = a.utilization === null ? null : Math.min(100, Math.max(0, Number(a.utilization) * 100));
  return h('section', { class: 'card', 'data-testid': 'card-credit', 'aria-label': 'Credit' },
    h('h2', {}, 'Credit'),
    h('p', {}, `Available credit: ${a.available_credit === null ? 'not reported' : money(a.available_credit, a.currency)}`
      + (a.credit_limit ? ` of ${money(a.credit_limit, a.currency)}` : '')),
    used === null ? h('p', { class: 'muted' }, 'Utilisation: no credit limit reported.')
      : h('p', {}, h('label', { for: 'utilisation' }, `Utilisation ${percent(a.utilization!)}`),
        h('meter', { id: 'utilisation', min: 0, max: 100, low: 30, high: 70, optimum: 0, value: used.toFixed(1) })));
}

export function accountPage(ctx: AppContext, accountId: string): { el: HTMLElement; dispose(): void } {
  let range: Range = '3M';
  const chart = new BalanceChart('Balance', 'Balance');
  const heading = h('h1', { id: 'page-title', tabindex: -1 }, 'Account');
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading the account…');
  const summary = h('div');
  const extras = h('div');
  const failed = new LoadError(() => void load());
  const currencyNote = h('p', { class: 'muted', 'data-testid': 'currency-note', hidden: true });
  // Shown once the account is known: no empty chart under an error or for an account that is gone.
  const history = h('section', { class: 'card', 'aria-label': 'Balance over time', hidden: true }, h('h2', {}, 'Balance over time'),
    rangePicker('Time range', range, (r) => { range = r; void load(); }), currencyNote, chart.el);
  const el = h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('p', {}, h('a', { href: '#/accounts' }, '← Accounts')), heading, status, failed.el, summary, history, extras);
  let first = true;

  async function load(): Promise<void> {
    let hist: AccountHistory;
    try {
      hist = await ctx.api.balanceHistory(accountId, range);
    } catch (e) {
      status.textContent = '';
      if (e instanceof ApiError && e.status === 404) { gone(); return; }
      failed.show(errorMessage(e, first ? 'Loading the account' : 'Loading the balance history'));
      // The range picked did not load: no chart of the range before under it.
      chart.el.hidden = true;
      return;
    }
    const a = hist.account;
    failed.clear();
    heading.textContent = a.label;
    document.title = `${a.label} · Nestfolio`;
    history.hidden = false;
    chart.el.hidden = false;
    // One line, one currency: days kept in another currency (before the owner changed it) are not
    // drawn as if they were in this one.
    const own = hist.points.filter((p) => p.currency === a.currency);
    const others = [...new Set(hist.points.filter((p) => p.currency !== a.currency).map((p) => p.currency ?? 'no currency'))];
    currencyNote.hidden = others.length === 0;
    currencyNote.textContent = others.length ? `Days when this account was kept in ${others.join(' or ')} are not shown: amounts in different currencies are never drawn as one line.` : '';
    chart.render({ currency: a.currency, rows: own.map((p) => ({ date: p.date, value: p.balance, estimated: p.estimated })) });
    status.textContent = '';
    if (first) { first = false; renderSummary(a); await renderExtras(a); }
  }

  /** An old link (a bookmark, the history) to an account that was deleted, removed or linked into another. */
  function gone(): void {
    heading.textContent = 'Account not found';
    document.title = 'Account not found · Nestfolio';
    failed.clear();
    history.hidden = true;
    replaceChildren(summary, h('div', { class: 'card', 'data-testid': 'account-gone' },
      h('p', {}, 'This account is not in Nestfolio any more: it was deleted, its bank connection was removed with its data, or it was linked into another account.'),
      h('p', {}, 'Your accounts as they are now are on the ', h('a', { href: '#/accounts' }, 'Accounts page'), '.')));
    replaceChildren(extras);
  }

  function renderSummary(a: NetWorthAccount): void {
    const include = h('input', { type: 'checkbox', id: uid('in-totals'), checked: !a.exclude_from_totals });
    const note = h('span', { class: 'muted', role: 'status' });
    include.addEventListener('change', async () => {
      include.disabled = true;
      try {
        await ctx.api.updateAccount(a.account_id, { exclude_from_totals: !include.checked });
        note.textContent = include.checked ? 'Counted in net worth.' : 'Left out of net worth.';
      } catch (e) {
        include.checked = !include.checked;
        note.textContent = errorMessage(e, 'Saving');
      } finally { include.disabled = false; }
    });
    replaceChildren(summary, h('div', { class: 'card' },
      h('p', { class: 'net-worth' }, h('span', { class: 'label' }, `${KIND_LABELS[a.kind]} · ${a.subtype ? humanize(a.subtype) : humanize(a.type)}`
        + ` · ${bankLabel(a.institution_name, a.item_id !== null, 'Manual account')}`), h('strong', { class: 'amount', 'data-testid': 'account-balance' }, balanceText(a))),
      a.closed_on ? h('p', { class: 'muted', 'data-testid': 'account-closed' },
        `This account was closed on ${day(a.closed_on)}: it counted in net worth until that day, not after. Reopen it on the Accounts page to count it again.`)
        : a.hidden ? h('p', { class: 'muted' }, 'This account is hidden, so it is not counted in net worth.') : null,
      // A closed account is out of the totals whatever this says: no switch that would claim otherwise.
      a.closed_on ? null : h('p', { class: 'toggle' }, include,
        h('label', { for: include.id }, a.hidden ? 'Count this account in net worth once it is shown again' : 'Count this account in net worth'), note),
      h('p', {}, h('a', { href: `#/transactions?account=${a.account_id}` }, `Transactions of ${a.label}`))));
  }

  async function renderExtras(a: NetWorthAccount): Promise<void> {
    const card = cardBlock(a);
    if (a.kind !== 'investment') { replaceChildren(extras, card); return; }
    try {
      const inv = await ctx.api.investments(a.account_id);
      replaceChildren(extras, holdingsTable(inv), new InvestmentActivity(ctx, a.account_id, inv).el);
    } catch (e) {
      const retry = new LoadError(() => void renderExtras(a));
      retry.show(errorMessage(e, 'Loading the holdings'));
      replaceChildren(extras, retry.el);
    }
  }

  void load();
  return { el, dispose() { chart.dispose(); } };
}

/** A table wider than a phone scrolls sideways: focusable and named, so the keyboard can scroll it too. */
const scroller = (label: string, table: HTMLTableElement) =>
  h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': label }, table);

function holdingsTable(inv: Investments): HTMLElement {
  const c = (cur: string | null, v: string | null) => (v === null ? '—' : money(v, cur));
  const gain = (g: string | null, pct: string | null, cur: string | null) =>
    g === null ? 'Cost basis not reported' : `${g.startsWith('-') ? '−' : '+'}${money(g.replace(/^-/, ''), cur)}${pct ? ` (${pct}%)` : ''}`;
  if (!inv.holdings.length) return h('section', { class: 'card' }, h('h2', {}, 'Holdings'), h('p', { class: 'muted' }, 'No holdings reported for this account.'));
  return h('section', { class: 'card', 'data-testid': 'holdings-table', 'aria-label': 'Holdings' }, h('h2', {}, 'Holdings'),
    ...inv.totals.map((t) => h('p', {}, `Value ${money(t.value, t.currency)} · Cost basis ${c(t.currency, t.cost_basis)} · Gain ${gain(t.gain, t.gain_percent, t.currency)}`
      + (t.without_cost_basis ? ` (${t.without_cost_basis} holding${t.without_cost_basis === 1 ? '' : 's'} without cost basis not included)` : ''))),
    scroller('Holdings table', h('table', {},
      h('thead', {}, h('tr', {}, ...['Security', 'Quantity', 'Price', 'Value', 'Cost basis', 'Gain'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...inv.holdings.map((x) => h('tr', {},
        h('th', { scope: 'row' }, x.ticker ? `${x.ticker} · ${x.name ?? ''}` : x.name ?? 'Unnamed security'),
        h('td', {}, Number(x.quantity).toLocaleString(undefined, { maximumFractionDigits: 4 })),
        h('td', {}, money(x.price, x.currency), x.price_as_of ? h('span', { class: 'muted' }, ` on ${day(x.price_as_of)}`) : null),
        h('td', {}, money(x.value, x.currency)), h('td', {}, c(x.currency, x.cost_basis)),
        h('td', { class: x.gain?.startsWith('-') ? 'loss' : 'gain' }, gain(x.gain, x.gain_percent, x.currency))))))));
}

class InvestmentActivity {
  readonly el: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly more: HTMLButtonElement;
  private readonly note = h('p', { class: 'form-error', role: 'alert' });
  private next: Investments['next'] = null;

  constructor(private readonly ctx: AppContext, private readonly accountId: string, first: Investments) {
    this.body = h('tbody');
    this.more = h('button', { type: 'button', class: 'secondary', onclick: () => void this.loadMore() }, 'Show more activity');
    this.el = h('section', { class: 'card', 'data-testid': 'investment-transactions', 'aria-label': 'Investment activity' },
      h('h2', {}, 'Investment activity'),
      first.transactions.length ? scroller('Investment activity table', h('table', {},
        h('thead', {}, h('tr', {}, ...['Date', 'Activity', 'Security', 'Quantity', 'Price', 'Amount'].map((t) => h('th', { scope: 'col' }, t)))),
        this.body)) : h('p', { class: 'muted' }, 'No investment activity reported.'),
      this.note, this.more);
    this.add(first);
  }

  private add(page: Investments): void {
    for (const t of page.transactions) {
      this.body.append(h('tr', {}, h('td', {}, day(t.date)), h('th', { scope: 'row' }, t.name, h('span', { class: 'muted' }, ` (${humanize(t.subtype ?? t.type)})`)),
        h('td', {}, t.ticker ?? '—'), h('td', {}, Number(t.quantity).toLocaleString(undefined, { maximumFractionDigits: 4 })),
        h('td', {}, money(t.price, t.currency)), h('td', {}, money(t.amount, t.currency))));
    }
    this.next = page.next;
    this.more.hidden = !page.next;
  }

  private async loadMore(): Promise<void> {
    this.more.disabled = true;
    this.note.textContent = '';
    try { this.add(await this.ctx.api.investments(this.accountId, this.next)); } catch (e) {
      this.note.textContent = errorMessage(e, 'Loading more activity');
    } finally { this.more.disabled = false; }
  }
}
