// One bank connection on the Accounts page, rendering its one state (connection-state.ts): institution,
// status badge, "Updated 3 minutes ago · 12 new transactions", the
// action it needs (Reconnect, Add new accounts, Connect again), Sync now, Refresh balances (disabled
// while rate-limited, saying when it is possible again) and Remove connection, then its accounts.
// Persistent: update() edits text and states in place, so polling never moves the user's focus.
import type { AppContext } from '../context.ts';
import { h, replaceChildren, uid } from '../dom.ts';
import { dateTime, time, timeAgo } from '../format.ts';
import { connectAccounts, updateConnection } from '../flows.ts';
import type { LinkReturn } from '../plaid-link.ts';
import { errorMessage, quarantineNote } from '../messages.ts';
import { connectionState, type ConnectionState } from '../connection-state.ts';
import { ApiError } from '../api.ts';
import type { Item } from '../types.ts';
import { openFormDialog } from './dialog.ts';

export class ConnectionCard {
  readonly el: HTMLElement;
  readonly accountList: HTMLUListElement;
  private item: Item;
  private state: ConnectionState;
  private unconfirmed = false;
  /** "Sync now" was asked when the last sync was `since`: its result is announced when a newer one is done. */
  private syncAsked: { since: string | null } | null = null;
  private unreachableSince: number | null = null;
  private readonly heading: HTMLHeadingElement;
  private readonly badge: HTMLElement;
  private readonly updated: HTMLElement;
  private readonly callout: HTMLElement;
  private readonly calloutText: HTMLElement;
  private readonly calloutButton: HTMLButtonElement;
  private readonly syncButton: HTMLButtonElement;
  private readonly balanceButton: HTMLButtonElement;
  private readonly balanceNote: HTMLElement;
  private readonly quarantine: HTMLElement;
  private readonly message: HTMLElement;
  private readonly logo: HTMLElement;
  private readonly accountsNote: HTMLElement;
  private refreshAllowedAt: number | null = null;
  private reenableTimer: ReturnType<typeof setTimeout> | null = null;
  private busy = new Set<string>();
  private blocked = false;

  constructor(private readonly ctx: AppContext, item: Item, unconfirmed = false) {
    this.item = item;
    this.state = connectionState(item, Date.now());
    const headingId = uid('connection');
    const noteId = uid('balance-note');
    this.heading = h('h2', { id: headingId });
    this.badge = h('span', { class: 'badge', 'data-testid': 'connection-status' });
    this.updated = h('p', { class: 'muted updated', 'data-testid': 'updated' });
    this.calloutText = h('p');
    this.calloutButton = h('button', { type: 'button', class: 'primary', onclick: () => void this.act() });
    this.callout = h('div', { class: 'callout', 'data-testid': 'action-needed' }, this.calloutText, this.calloutButton);
    this.syncButton = h('button', { type: 'button', class: 'secondary', onclick: () => void this.syncNow() }, 'Sync now');
    this.balanceButton = h('button', { type: 'button', class: 'secondary', 'aria-describedby': noteId, onclick: () => void this.refreshBalances() }, 'Refresh balances');
    this.balanceNote = h('span', { id: noteId, class: 'muted note', 'data-testid': 'balance-note' });
    this.message = h('p', { class: 'card-message', role: 'status', 'data-testid': 'connection-message' });
    this.quarantine = h('p', { class: 'muted note', 'data-testid': 'quarantine-note' });
    this.accountList = h('ul', { class: 'account-list', 'aria-labelledby': headingId });
    this.logo = h('span', { class: 'bank-logo', 'aria-hidden': 'true', 'data-testid': 'bank-logo' });
    // The same bank connected twice: its accounts are part of the card's name (landmarks are told apart).
    const accountsId = uid('connection-accounts');
    this.accountsNote = h('p', { id: accountsId, class: 'muted accounts-note', 'data-testid': 'connection-accounts' });
    this.el = h('section', { class: 'card connection', 'aria-labelledby': `${headingId} ${accountsId}`, 'data-item-id': item.id, 'data-testid': 'connection' },
      h('header', { class: 'connection-header' }, this.logo, this.heading, this.badge),
      this.accountsNote, this.updated, this.callout, this.quarantine,
      h('div', { class: 'actions' }, this.syncButton, this.balanceButton,
        h('button', { type: 'button', class: 'danger-outline', onclick: () => this.remove() }, 'Remove connection')),
      this.balanceNote, this.message, this.accountList);
    this.update(item, unconfirmed);
  }

  /** Shows the item's one state (connection-state.ts); `unconfirmed` when the overview could not be refreshed. */
  update(item: Item, unconfirmed = this.unconfirmed): void {
    this.item = item;
    this.unconfirmed = unconfirmed;
    const state = this.state = connectionState(item, Date.now(), { unconfirmed });
    this.heading.textContent = item.institution_name ?? 'Bank connection';
    this.renderLogo(item);
    this.badge.textContent = state.badge.text;
    this.badge.className = `badge tone-${state.badge.tone}`;
    replaceChildren(this.updated, state.updatedAt
      ? h('time', { datetime: state.updatedAt, title: dateTime(state.updatedAt) }, state.detail)
      : state.detail);
    const setAside = quarantineNote(item);
    this.quarantine.hidden = !setAside;
    this.quarantine.textContent = setAside ?? '';
    this.callout.hidden = !state.callout;
    if (state.callout) {
      this.callout.className = `callout tone-${state.callout.tone}`;
      this.calloutText.textContent = state.callout.message;
      this.calloutButton.hidden = !state.callout.remedy;
      this.calloutButton.textContent = state.callout.remedy?.button ?? '';
    }
    // The backend is back (a load worked after the failure): the old error goes.
    const loadedAt = this.ctx.store.state.loadedAt;
    if (this.unreachableSince !== null && !unconfirmed && loadedAt !== null && loadedAt > this.unreachableSince) this.say('');
    // "Sync now" finished: say what it changed (the detail line keeps saying it).
    if (this.syncAsked && !unconfirmed && state.kind !== 'syncing' && state.kind !== 'importing') {
      const done = item.last_synced_at !== this.syncAsked.since;
      if (done || state.kind === 'retrying' || state.needsUser) {
        this.syncAsked = null;
        this.say('');
        this.ctx.announce(`${item.institution_name ?? 'The connection'}: ${done ? state.detail : state.callout?.message ?? state.badge.text}`);
      }
    }
    // Plaid answers nothing for an item that needs the user: only the callout's action helps then.
    const blocked = item.status === 'login_required' || item.status === 'revoked';
    this.syncButton.disabled = blocked || this.busy.has('sync');
    this.blocked = blocked;
    const server = item.balance_refresh_available_at ? Date.parse(item.balance_refresh_available_at) : null;
    if (server && server > Date.now()) this.refreshAllowedAt = Math.max(this.refreshAllowedAt ?? 0, server);
    this.renderBalanceState();
  }

  /** Plaid's logo when it has one, else the bank's initial (decorative: the heading names the bank). */
  private renderLogo(item: Item): void {
    const key = `${item.logo ?? ''}|${item.primary_color ?? ''}|${item.institution_name ?? ''}`;
    if (this.logo.dataset.key === key) return;
    this.logo.dataset.key = key;
    this.logo.style.borderColor = item.primary_color ?? '';
    replaceChildren(this.logo, item.logo
      ? h('img', { src: `data:image/png;base64,${item.logo}`, alt: '', width: 32, height: 32 })
      : (item.institution_name ?? '?').trim().charAt(0).toUpperCase());
  }

  /** Which accounts this connection has ("Plaid Checking ••0000, …"), or nothing: shown when another
   *  connection looks the same (the same bank twice). */
  showAccounts(text: string | null): void {
    this.accountsNote.hidden = !text;
    this.accountsNote.textContent = text ?? '';
  }

  /** Re-renders time-dependent text (called on a timer). */
  tick(): void { this.update(this.item); }

  private renderBalanceState(): void {
    const waiting = this.refreshAllowedAt !== null && this.refreshAllowedAt > Date.now();
    this.balanceButton.disabled = waiting || this.blocked || this.busy.has('balance');
    if (this.reenableTimer) clearTimeout(this.reenableTimer);
    if (waiting) {
      const at = new Date(this.refreshAllowedAt!).toISOString();
      this.balanceNote.textContent = `Balances can be refreshed again at ${time(at)} (${timeAgo(at)}).`;
      this.reenableTimer = setTimeout(() => this.renderBalanceState(), this.refreshAllowedAt! - Date.now() + 50);
    } else {
      this.balanceNote.textContent = '';
    }
  }

  private say(text: string): void {
    this.message.textContent = text;
    this.unreachableSince = null;
  }

  /** An action failed because Nestfolio could not be reached: said until a load works again. */
  private sayFailure(e: unknown, doing: string): void {
    this.say(errorMessage(e, doing));
    if (e instanceof ApiError && (e.code === 'NETWORK' || e.code === 'SERVER')) this.unreachableSince = Date.now();
  }

  private async guarded(key: string, button: HTMLButtonElement, run: () => Promise<void>): Promise<void> {
    if (this.busy.has(key)) return;
    this.busy.add(key);
    button.disabled = true;
    try { await run(); } finally {
      this.busy.delete(key);
      button.disabled = false;
      this.update(this.item);
      // Plaid Link returns focus to its opener while it is disabled: give it back.
      if (document.activeElement === document.body && button.isConnected && !button.hidden) button.focus();
    }
  }

  private act(): Promise<void> {
    const need = this.state.callout?.remedy;
    if (!need) return Promise.resolve();
    return this.guarded('link', this.calloutButton, async () => {
      const report = (m: string) => this.say(m);
      // Connecting again replaces this connection (and this card): the page's live region says how it went.
      if (need.kind === 'connect') await connectAccounts(this.ctx, (m) => { report(m); this.ctx.announce(m); });
      else await updateConnection(this.ctx, this.item, need.kind === 'update-accounts', report);
    });
  }

  /** Finishes this connection's update mode that came back from an OAuth bank. */
  resumeUpdate(back: Extract<LinkReturn, { purpose: 'update' }>): Promise<void> {
    return this.guarded('link', this.calloutButton, async () => {
      await updateConnection(this.ctx, this.item, back.accountSelection, (m) => this.say(m), back);
    });
  }

  private syncNow(): Promise<void> {
    return this.guarded('sync', this.syncButton, async () => {
      try {
        const since = this.item.last_synced_at;
        await this.ctx.api.syncNow(this.item.id);
        // The badge says "Syncing…" from here on (the request is recorded before the answer), and the
        // result replaces it when done: no message of our own that could outlive it.
        this.syncAsked = { since };
        this.say('');
        await this.ctx.store.refresh();
      } catch (e) {
        this.sayFailure(e, 'Sync now');
      }
    });
  }

  private refreshBalances(): Promise<void> {
    return this.guarded('balance', this.balanceButton, async () => {
      try {
        const res = await this.ctx.api.refreshBalances(this.item.id);
        this.refreshAllowedAt = Date.parse(res.next_allowed_at);
        this.renderBalanceState();
        this.say('Balances refreshed.');
        await this.ctx.store.refresh();
      } catch (e) {
        if (e instanceof ApiError && e.code === 'RATE_LIMITED' && typeof e.details?.next_allowed_at === 'string') {
          this.refreshAllowedAt = Date.parse(e.details.next_allowed_at);
          this.renderBalanceState();
          const at = e.details.next_allowed_at;
          this.say(`Balances were refreshed recently. To limit costs at the bank, you can refresh again at ${time(at)}.`);
        } else {
          this.sayFailure(e, 'Refreshing balances');
        }
      }
    });
  }

  private remove(): void {
    const bank = this.item.institution_name ?? 'this connection';
    const name = uid('keep');
    const choice = (value: string, label: string, hint: string, checked = false) => {
      const id = uid('choice');
      return h('div', { class: 'choice' },
        h('input', { type: 'radio', name, id, value, checked, 'aria-describedby': `${id}-hint` }),
        h('label', { for: id }, label), h('p', { class: 'hint', id: `${id}-hint` }, hint));
    };
    openFormDialog({
      title: `Remove ${bank}?`,
      intro: h('p', {}, `Nestfolio stops updating these accounts and ${bank} stops sharing data with Nestfolio.`),
      fields: [h('fieldset', {}, h('legend', {}, 'What should happen to the accounts and their transactions?'),
        choice('keep', 'Keep them as manual accounts', 'Balances and transaction history stay; you update them yourself.', true),
        choice('delete', 'Delete them', 'The accounts and all their transactions are deleted. This cannot be undone.'))],
      submitLabel: 'Remove connection',
      danger: true,
      onSubmit: async (form) => {
        const keep = (form.elements.namedItem(name) as RadioNodeList).value === 'keep';
        try {
          const res = await this.ctx.api.removeItem(this.item.id, keep);
          this.ctx.announce(keep
            ? `${bank} was removed. ${res.kept_accounts} account${res.kept_accounts === 1 ? ' was' : 's were'} kept as manual accounts.`
            : `${bank} was removed with its accounts and transactions.`);
        } catch (e) { throw new Error(errorMessage(e, `Removing ${bank}`)); }
        await this.ctx.store.refresh();
      },
    });
  }
}
