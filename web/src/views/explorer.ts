// The transactions explorer: search and filters (kept in the address, so a filtered view can be
// bookmarked or linked from an account), pending transactions apart from posted ones, categories in
// words, merchant logos with an initial as fallback, "Show more" by keyset, and a CSV export of the
// filtered list.
import type { AppContext } from '../context.ts';
import { h, replaceChildren, uid } from '../dom.ts';
import { day, signedAmount } from '../format.ts';
import { errorMessage } from '../messages.ts';
import { ApiError } from '../api.ts';
import { LoadError } from './load-error.ts';
import type { ExplorerFilters, ExplorerPage, ExplorerTransaction, Keyset } from '../insights-types.ts';

const PAGE = 50;
const FIELDS = ['query', 'account', 'from', 'to', 'category', 'status', 'direction', 'min', 'max'] as const;
type Field = (typeof FIELDS)[number];

/** The form's values as the function's filters (empty fields left out). */
export function toFilters(v: Partial<Record<Field, string>>): ExplorerFilters {
  const f: ExplorerFilters = {};
  if (v.query?.trim()) f.query = v.query.trim();
  if (v.account) f.account_ids = [v.account];
  if (v.from) f.from = v.from;
  if (v.to) f.to = v.to;
  if (v.category) f.categories = [v.category];
  if (v.status === 'pending' || v.status === 'posted') f.status = v.status;
  if (v.direction === 'in' || v.direction === 'out') f.direction = v.direction;
  if (v.min?.trim()) f.min_amount = v.min.trim();
  if (v.max?.trim()) f.max_amount = v.max.trim();
  return f;
}

function logo(t: ExplorerTransaction): HTMLElement {
  const name = t.merchant_name ?? t.name;
  const fallback = h('span', { class: 'logo logo-fallback', 'aria-hidden': 'true' }, (name.match(/[A-Za-z0-9]/)?.[0] ?? '•').toUpperCase());
  if (!t.logo_url) return fallback;
  const img = h('img', { class: 'logo', src: t.logo_url, alt: '', width: 32, height: 32, loading: 'lazy', referrerpolicy: 'no-referrer' });
  img.addEventListener('error', () => img.replaceWith(fallback));
  return img;
}

function row(t: ExplorerTransaction): HTMLElement {
  const category = t.category ? (t.category.detailed_label ? `${t.category.label} · ${t.category.detailed_label}` : t.category.label) : 'Uncategorised';
  return h('li', { class: t.pending ? 'tx-row pending' : 'tx-row', 'data-testid': 'explorer-transaction', 'data-id': t.id },
    logo(t),
    h('span', { class: 'tx-main' },
      h('span', { class: 'tx-name' }, t.merchant_name ?? t.name, t.pending ? h('span', { class: 'badge tone-info' }, 'Pending') : null),
      h('span', { class: 'muted tx-meta' }, `${category} · ${t.account_label} · ${day(t.date)}${t.was_pending && !t.pending ? ' · posted' : ''}`)),
    h('span', { class: `tx-amount ${t.amount.startsWith('-') ? 'in' : 'out'}` }, signedAmount(t.amount, t.currency)));
}

export function explorerPage(ctx: AppContext, params: URLSearchParams): { el: HTMLElement; dispose(): void } {
  const input = (name: Field, attrs: Record<string, string | boolean>) => h('input', { name, id: uid(name), ...attrs, value: params.get(name) ?? '' });
  const select = (name: Field, options: Array<[string, string]>) => {
    const s = h('select', { name, id: uid(name) }, ...options.map(([v, l]) => h('option', { value: v }, l)));
    s.value = params.get(name) ?? '';
    return s;
  };
  const labelled = (label: string, control: HTMLInputElement | HTMLSelectElement) =>
    h('div', { class: 'field' }, h('label', { for: control.id }, label), control);

  const query = input('query', { type: 'search', placeholder: 'e.g. Starbucks', minlength: '2', maxlength: '100', autocomplete: 'off' });
  const account = select('account', [['', 'All accounts']]);
  const category = select('category', [['', 'All categories']]);
  const status = select('status', [['', 'Pending and posted'], ['pending', 'Pending only'], ['posted', 'Posted only']]);
  const direction = select('direction', [['', 'Money in and out'], ['in', 'Money in'], ['out', 'Money out']]);
  const from = input('from', { type: 'date' });
  const to = input('to', { type: 'date' });
  const min = input('min', { inputmode: 'decimal', pattern: '\\d{1,16}(\\.\\d{1,4})?', placeholder: '0.00' });
  const max = input('max', { inputmode: 'decimal', pattern: '\\d{1,16}(\\.\\d{1,4})?', placeholder: '0.00' });
  const controls = { query, account, category, status, direction, from, to, min, max };

  const message = h('p', { role: 'status', class: 'page-message' });
  let lastFresh = true;
  const failed = new LoadError(() => void load(lastFresh));
  const pendingList = h('ul', { class: 'tx-rows', 'aria-label': 'Pending transactions' });
  const pendingSection = h('section', { class: 'card', 'data-testid': 'pending-section', 'aria-labelledby': 'pending-heading', hidden: true },
    h('h2', { id: 'pending-heading' }, 'Pending'),
    h('p', { class: 'muted' }, 'Not final yet: the amount or date can still change. Each is replaced by its posted transaction.'), pendingList);
  const postedHeading = h('h2', { id: 'posted-heading' }, 'Posted');
  const postedList = h('ul', { class: 'tx-rows', 'aria-labelledby': 'posted-heading' });
  const empty = h('p', { class: 'muted', hidden: true }, 'No transactions match these filters.');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => void load(false) }, 'Show more transactions');
  const exportButton = h('button', { type: 'button', class: 'secondary', onclick: () => void exportCsv() }, 'Export CSV');
  const form = h('form', { class: 'card filters', 'aria-label': 'Filter transactions', novalidate: true },
    h('div', { class: 'filter-grid' },
      labelled('Search merchant or description', query), labelled('Account', account), labelled('Category', category),
      labelled('Status', status), labelled('Money in or out', direction), labelled('From', from), labelled('To', to),
      labelled('Amount at least', min), labelled('Amount at most', max)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { form.reset(); for (const c of Object.values(controls)) c.value = ''; void apply(); } }, 'Clear'),
      exportButton));
  form.addEventListener('submit', (e) => { e.preventDefault(); void apply(); });
  const el = h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, 'Transactions'), form, message, failed.el, pendingSection,
    h('section', { class: 'card', 'data-testid': 'posted-section', 'aria-labelledby': 'posted-heading' }, postedHeading, postedList, empty, more));

  let filters: ExplorerFilters = {};
  let next: Keyset | null = null;
  let generation = 0;
  let categoriesLoaded = false;

  const values = () => Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c.value])) as Record<Field, string>;

  /** What is wrong with the filters, in words (the server checks the same and answers 400). */
  function problem(v: Record<Field, string>): string | null {
    const amount = /^\d{1,16}(\.\d{1,4})?$/;
    if (v.query.trim().length === 1) return 'Type at least 2 characters to search.';
    for (const [k, label] of [['min', 'Amount at least'], ['max', 'Amount at most']] as const) {
      if (v[k].trim() && !amount.test(v[k].trim())) return `Enter "${label}" as a number such as 25.00.`;
    }
    if (v.min.trim() && v.max.trim() && Number(v.min) > Number(v.max)) return '"Amount at least" is more than "Amount at most".';
    if (v.from && v.to && v.from > v.to) return '"From" is after "To".';
    return null;
  }

  async function apply(): Promise<void> {
    const v = values();
    const wrong = problem(v);
    if (wrong) { message.textContent = `Check the filters: ${wrong}`; return; }
    const q = new URLSearchParams(Object.entries(v).filter(([, x]) => x));
    history.replaceState(null, '', `#/transactions${q.size ? `?${q}` : ''}`);
    filters = toFilters(v);
    await load(true);
  }

  async function load(fresh: boolean, note = ''): Promise<void> {
    const mine = ++generation;
    lastFresh = fresh;
    more.disabled = true;
    message.textContent = fresh ? 'Loading transactions…' : 'Loading more…';
    try {
      const page: ExplorerPage = await ctx.api.searchTransactions(filters, PAGE, fresh ? null : next);
      if (mine !== generation) return;
      if (page.categories && !categoriesLoaded) {
        categoriesLoaded = true;
        const wanted = params.get('category') ?? category.value;
        category.append(...page.categories.map((c) => h('option', { value: c.code }, c.label)));
        category.value = wanted;
      }
      if (fresh) {
        replaceChildren(postedList);
        const pending = page.pending ?? [];
        replaceChildren(pendingList, ...pending.map(row));
        pendingSection.hidden = pending.length === 0;
        postedHeading.textContent = filters.status === 'pending' ? 'Pending' : 'Posted';
        pendingSection.hidden = pending.length === 0 || filters.status === 'pending';
      }
      postedList.append(...page.transactions.map(row));
      next = page.next;
      more.hidden = !next;
      empty.hidden = postedList.children.length > 0 || pendingList.children.length > 0 && !pendingSection.hidden;
      // With no filter set, nothing matched means there is nothing yet: say that, not "these filters".
      empty.textContent = Object.keys(filters).length ? 'No transactions match these filters.'
        : 'No transactions yet. They appear here once a connected bank has sent them; manual accounts have none.';
      const shown = postedList.children.length + (pendingSection.hidden ? 0 : pendingList.children.length);
      failed.clear();
      message.textContent = `${note}${shown ? `Showing ${shown} transaction${shown === 1 ? '' : 's'}${next ? '; more below' : ''}.` : ''}`;
      if (!fresh && document.activeElement === document.body) more.focus();
    } catch (e) {
      if (mine !== generation) return;
      message.textContent = '';
      // An old link to an account that is gone (deleted, its connection removed, linked into another):
      // say so and show all accounts, rather than an error about an id or a list the form does not match.
      if (e instanceof ApiError && e.status === 404 && filters.account_ids) {
        account.value = '';
        const { account_ids: _, ...rest } = filters;
        filters = rest;
        const q = new URLSearchParams(location.hash.split('?')[1] ?? '');
        q.delete('account');
        history.replaceState(null, '', `#/transactions${q.size ? `?${q}` : ''}`);
        await load(true, 'The account in this link is not in Nestfolio any more (deleted, disconnected, or linked into another account), so all accounts are shown. ');
        return;
      }
      if (fresh) { replaceChildren(postedList); replaceChildren(pendingList); pendingSection.hidden = true; more.hidden = true; empty.hidden = true; }
      failed.show(errorMessage(e, 'Loading transactions'));
    } finally {
      more.disabled = false;
    }
  }

  async function exportCsv(): Promise<void> {
    exportButton.disabled = true;
    message.textContent = 'Preparing the CSV…';
    try {
      const blob = await ctx.api.exportTransactions(filters);
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `nestfolio-transactions-${new Date().toISOString().slice(0, 10)}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      message.textContent = 'The CSV was downloaded.';
    } catch (e) {
      message.textContent = errorMessage(e, 'Exporting');
    } finally {
      exportButton.disabled = false;
    }
  }

  // Accounts for the picker come from the polled overview (already loaded on most visits).
  const fillAccounts = () => {
    const accounts = ctx.store.state.overview?.accounts ?? [];
    if (account.options.length > 1 || !accounts.length) return;
    const wanted = params.get('account') ?? '';
    // Closed and hidden accounts keep their transactions: the choice says what the Accounts page says.
    account.append(...[...accounts].sort((a, b) => a.label.localeCompare(b.label)).map((a) =>
      h('option', { value: a.id }, `${a.label}${a.mask ? ` ••${a.mask}` : ''}${a.closed_at ? ' (closed)' : a.hidden ? ' (hidden)' : ''}`)));
    account.value = wanted;
  };
  const unsubscribe = ctx.store.subscribe(fillAccounts);
  void ctx.store.refresh();
  filters = toFilters(Object.fromEntries(FIELDS.map((k) => [k, params.get(k) ?? ''])));
  void load(true);
  return { el, dispose() { unsubscribe(); } };
}
