// The Setup Hub: "Connect accounts" (Plaid Link), then the visible progress of each new connection's
// initial import ("Importing transactions… 1,240") until it is done, plus the other setup steps.
import { type AppContext, takeReturn } from '../context.ts';
import type { LinkReturn } from '../plaid-link.ts';
import { h, replaceChildren } from '../dom.ts';
import { count } from '../format.ts';
import { connectAccounts } from '../flows.ts';
import { errorMessage } from '../messages.ts';
import type { StoreState } from '../store.ts';
import { addManualAccount } from './account-dialogs.ts';
import { needingAttention } from '../connection-state.ts';

export function setupHubPage(ctx: AppContext): { el: HTMLElement; dispose(): void } {
  // Connections made in this visit stay listed once done, with what was imported.
  const connectedHere = new Set<string>();
  const flowMessage = h('p', { role: 'status', class: 'flow-message', 'data-testid': 'connect-message' });
  const flowError = h('p', { role: 'alert', class: 'flow-error', 'data-testid': 'connect-error' });
  const progress = h('ul', { class: 'progress-list', 'aria-label': 'Connections being imported', 'data-testid': 'import-progress' });
  const connect = h('button', { type: 'button', class: 'primary large', onclick: () => void run() }, 'Connect accounts');
  // The connections could not be loaded: said in words with Retry, and gone once a load works.
  const loadErrorText = h('p', { role: 'alert' });
  const loadError = h('div', { class: 'callout tone-error', 'data-testid': 'load-error', hidden: true }, loadErrorText,
    h('button', { type: 'button', class: 'secondary', onclick: () => { loadErrorText.textContent = 'Trying again…'; void ctx.store.refresh(); } }, 'Retry'));
  // Connections that need the user (sign in again, new accounts, consent expiring, revoked).
  const attentionHeading = h('h2', { id: 'attention-heading' });
  const attentionList = h('ul', { class: 'plain-list' });
  const attention = h('section', { class: 'card attention tone-warn', 'aria-labelledby': 'attention-heading', 'data-testid': 'needs-attention', hidden: true },
    attentionHeading, attentionList, h('a', { href: '#/accounts', class: 'button-link' }, 'Fix on the Accounts page'));
  let attentionKey = '';

  async function run(back?: LinkReturn): Promise<void> {
    connect.disabled = true;
    flowError.textContent = '';
    const itemId = await connectAccounts(ctx, (message, tone) => {
      if (tone === 'error') { flowError.textContent = message; flowMessage.textContent = ''; } else flowMessage.textContent = message;
    }, back);
    if (itemId) {
      connectedHere.add(itemId);
      flowMessage.dataset.item = itemId;
      render(ctx.store.state);
    }
    connect.disabled = false;
    // Link hands focus back to this button while it is still disabled; take it back.
    if (document.activeElement === document.body) connect.focus();
  }

  let shownKey = '';
  const announced = new Set<string>();

  function render(state: StoreState): void {
    loadError.hidden = !state.error;
    const loadText = state.error ? errorMessage(state.error, 'Loading your connections') : '';
    if (loadErrorText.textContent !== loadText) loadErrorText.textContent = loadText;
    const items = state.overview?.items ?? [];
    const needing = needingAttention(items, Date.now());
    const key = JSON.stringify(needing.map((n) => [n.item.id, n.state.attention]));
    if (key !== attentionKey) {
      attentionKey = key;
      attention.hidden = needing.length === 0;
      attentionHeading.textContent = `${needing.length === 1 ? 'A connection needs' : `${needing.length} connections need`} your attention`;
      replaceChildren(attentionList, ...needing.map((n) => h('li', { 'data-testid': 'attention-item' },
        `${n.item.institution_name ?? 'A bank connection'} ${n.state.attention}`)));
    }
    const shown = items.filter((i) => !i.initial_sync_done || connectedHere.has(i.id));
    for (const i of shown) {
      if (!i.initial_sync_done) continue;
      // "Importing…" gives way to the finished line below.
      if (flowMessage.dataset.item === i.id) { flowMessage.textContent = ''; delete flowMessage.dataset.item; }
      if (!announced.has(i.id)) {
        announced.add(i.id);
        ctx.announce(`${i.institution_name ?? 'Your bank'} is connected and its transactions are imported.`);
      }
    }
    // Rebuilt only when something shown changed, so a focused link is not replaced by a poll.
    const progressKey = JSON.stringify(shown.map((i) => [i.id, i.initial_sync_done, i.transactions_synced, i.action_needed, i.account_count]));
    if (progressKey !== shownKey) shownKey = progressKey; else return;
    replaceChildren(progress, ...shown.map((i) => {
      const bank = i.institution_name ?? 'Your bank';
      if (i.action_needed && !i.initial_sync_done) {
        return h('li', { class: 'progress-item tone-warn' }, `${bank}: the import stopped because the connection needs attention. Open Accounts to fix it.`);
      }
      if (!i.initial_sync_done) {
        return h('li', { class: 'progress-item' },
          h('span', {}, `${bank}: Importing transactions… ${count(i.transactions_synced)}`),
          h('progress', { 'aria-label': `Importing ${bank}` }));
      }
      return h('li', { class: 'progress-item tone-ok' },
        `${bank} is connected: ${count(i.account_count)} account${i.account_count === 1 ? '' : 's'}, ${count(i.transactions_synced)} transactions imported. `,
        h('a', { href: '#/accounts' }, 'View accounts'));
    }));
  }

  const el = h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, 'Setup Hub'),
    h('p', { class: 'lead' }, 'Get Nestfolio ready: bring in your accounts, then let them update themselves.'),
    loadError, attention,
    h('ol', { class: 'steps' },
      h('li', { class: 'card step' },
        h('h2', {}, 'Connect accounts'),
        h('p', {}, 'Link bank, card, loan and investment accounts through Plaid. You sign in to your bank in Plaid’s window; Nestfolio never sees your bank password.'),
        connect, flowMessage, flowError, progress),
      h('li', { class: 'card step' },
        h('h2', {}, 'Add what Plaid can’t reach'),
        h('p', {}, 'Cash, property, or an institution Plaid does not support: track it as a manual account.'),
        h('button', { type: 'button', class: 'secondary', onclick: () => addManualAccount(ctx) }, 'Add a manual account')),
      h('li', { class: 'card step' },
        h('h2', {}, 'Review your accounts'),
        h('p', {}, 'See balances, recent transactions and the status of every connection.'),
        h('a', { href: '#/accounts', class: 'button-link' }, 'Go to Accounts'))));

  const unsubscribe = ctx.store.subscribe(render);
  void ctx.store.refresh();
  const back = takeReturn(ctx);
  if (back && 'error' in back) flowError.textContent = back.error;
  else if (back?.purpose === 'create') void run(back);
  else if (back) { ctx.linkReturn.value = back; ctx.navigate('#/accounts'); } // update mode finishes on the Accounts page
  return { el, dispose: unsubscribe };
}
