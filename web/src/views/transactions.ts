// One account's recent transactions, newest first, loaded when its row is opened and paged with
// "Show more" (the function's keyset). Pending transactions are marked in words, not only colour.
// reload() fetches the first rows again after a sync changed the account's data.
import type { AppContext } from '../context.ts';
import { h, replaceChildren, uid } from '../dom.ts';
import { day, signedAmount } from '../format.ts';
import { errorMessage } from '../messages.ts';
import type { Transaction, TransactionsPage } from '../types.ts';
import { LoadError } from './load-error.ts';

const PAGE = 10;

export class TransactionsList {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly more: HTMLButtonElement;
  private readonly status: HTMLElement;
  // Retry asks again for what failed: the first rows, or the next page.
  private readonly failed = new LoadError(() => void (this.rows.length ? this.loadMore() : this.reload()));
  private rows: Transaction[] = [];
  private next: TransactionsPage['next'] = null;
  private loading = false;

  constructor(private readonly ctx: AppContext, private readonly accountId: string, accountLabel: string) {
    const headingId = uid('tx-heading');
    this.list = h('ul', { class: 'tx-list', 'aria-labelledby': headingId });
    this.status = h('p', { class: 'muted', role: 'status' });
    this.more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => void this.loadMore() }, 'Show more transactions');
    this.el = h('section', { class: 'transactions', 'data-testid': 'transactions' },
      h('h3', { id: headingId }, `Recent transactions`, h('span', { class: 'visually-hidden' }, ` of ${accountLabel}`)),
      this.list, this.status, this.failed.el, this.more);
  }

  get loaded(): boolean { return this.rows.length > 0 || this.next !== null; }

  /** The first page again (as many rows as are shown, so the view does not jump). */
  async reload(): Promise<void> {
    await this.fetch(null, Math.min(100, Math.max(PAGE, this.rows.length)), true);
  }

  /** The next page; focus stays on "Show more", or moves to the first new row when none are left. */
  async loadMore(): Promise<void> {
    const focused = document.activeElement === this.more;
    const before = this.rows.length;
    await this.fetch(this.next, PAGE, false);
    if (focused && this.more.hidden) {
      const first = this.list.children[before] as HTMLElement | undefined;
      if (first) { first.tabIndex = -1; first.focus(); }
    }
  }

  private async fetch(after: TransactionsPage['next'], limit: number, replace: boolean): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    // aria-disabled, not disabled: a disabled button loses focus (to the page's top).
    this.more.setAttribute('aria-disabled', 'true');
    if (!this.rows.length) this.status.textContent = 'Loading transactions…';
    try {
      const page = await this.ctx.api.transactions(this.accountId, after, limit);
      this.rows = replace ? page.transactions : [...this.rows, ...page.transactions];
      this.next = page.next;
      this.render();
      this.status.textContent = this.rows.length ? '' : 'No transactions yet.';
      this.failed.clear();
    } catch (e) {
      this.status.textContent = '';
      this.failed.show(errorMessage(e, 'Loading transactions'));
    } finally {
      this.loading = false;
      this.more.removeAttribute('aria-disabled');
    }
  }

  private render(): void {
    replaceChildren(this.list, ...this.rows.map((t) => h('li', { class: t.pending ? 'tx pending' : 'tx', 'data-testid': 'transaction' },
      h('span', { class: 'tx-date' }, day(t.date)),
      h('span', { class: 'tx-name' }, t.merchant_name ?? t.name,
        t.pending ? h('span', { class: 'badge tone-info' }, 'Pending') : null),
      h('span', { class: `tx-amount ${t.amount.startsWith('-') ? 'in' : 'out'}` }, signedAmount(t.amount, t.currency)))));
    this.more.hidden = this.next === null;
  }
}
