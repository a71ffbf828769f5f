// The two Plaid Link journeys. Connecting: link token → Link → a duplicate pre-check of Link's
// accounts (plaid-link-check: already connected? offer to reconnect that connection or to add only the
// new accounts) → exchange (the server stores the access token and starts the initial sync; connecting
// a revoked bank again restores it with its history). Update mode (reconnect or new accounts): link
// token for the item → Link → plaid-item-repaired (the server checks with Plaid, then marks it healthy
// and syncs). Either may leave for an OAuth bank and come back (plaid-link.ts): the same session then
// finishes here. Each step reports progress in words; failures are explained, never swallowed.
import type { AppContext } from './context.ts';
import { errorMessage } from './messages.ts';
import { describeExit, type LinkReturn, runLink } from './plaid-link.ts';
import type { Item } from './types.ts';
import { chooseForDuplicate } from './views/duplicate-dialog.ts';

export type Report = (message: string, tone: 'progress' | 'done' | 'error') => void;

/** Connects a new institution; resolves with the new item's id, or null when nothing was connected. */
export async function connectAccounts(ctx: AppContext, report: Report, back?: LinkReturn): Promise<string | null> {
  let step = 'Starting Plaid';
  try {
    let outcome;
    if (back) {
      report('Finishing with your bank…', 'progress');
      step = 'Finishing with your bank';
      outcome = await runLink(ctx.config.linkScriptUrl, back.token, { receivedRedirectUri: back.receivedRedirectUri });
    } else {
      report('Opening Plaid…', 'progress');
      const { link_token } = await ctx.api.linkToken();
      step = 'Opening Plaid';
      outcome = await runLink(ctx.config.linkScriptUrl, link_token, { pending: { token: link_token, route: location.hash, purpose: 'create' } });
    }
    if (outcome.kind === 'exit') {
      report(describeExit(outcome), outcome.error ? 'error' : 'done');
      return null;
    }
    const bank = outcome.metadata.institution?.name ?? 'your bank';
    step = `Connecting ${bank}`;
    report(`Checking whether ${bank} is already connected…`, 'progress');
    const check = await ctx.api.linkCheck(outcome.metadata);
    let duplicates: 'refuse' | 'skip' = 'refuse';
    if (check.result === 'duplicate' && check.item) {
      const choice = await chooseForDuplicate(bank, check);
      if (choice === 'cancel') {
        report(`Nothing was connected: ${bank} is already in Nestfolio.`, 'done');
        return null;
      }
      if (choice === 'reconnect') {
        await ctx.store.refresh();
        const existing = ctx.store.state.overview?.items.find((i) => i.id === check.item!.id);
        if (!existing) throw new Error(`the existing ${bank} connection is gone; connect it again`);
        return (await updateConnection(ctx, existing, false, report)) ? existing.id : null;
      }
      duplicates = 'skip';
    }
    report(`Connecting ${bank}…`, 'progress');
    const { item } = await ctx.api.exchange(outcome.publicToken, outcome.metadata, duplicates);
    report(item.replaced_revoked
      ? `${bank} is connected again; your accounts and their history are kept. Importing transactions…`
      : item.skipped_duplicates.length
        ? `${bank}: the new account${item.accounts.length === 1 ? ' is' : 's are'} connected (accounts already in Nestfolio were left out). Importing transactions…`
        : `${bank} is connected. Importing transactions…`, 'progress');
    await ctx.store.refresh();
    return item.id;
  } catch (e) {
    report(errorMessage(e, step), 'error');
    return null;
  }
}

/** Link update mode for an item: sign in again, or share newly available accounts. */
export async function updateConnection(ctx: AppContext, item: Item, accountSelection: boolean, report: Report, back?: LinkReturn): Promise<boolean> {
  const bank = item.institution_name ?? 'your bank';
  let step = `Reconnecting ${bank}`;
  try {
    let outcome;
    if (back) {
      report(`Finishing with ${bank}…`, 'progress');
      outcome = await runLink(ctx.config.linkScriptUrl, back.token, { receivedRedirectUri: back.receivedRedirectUri });
    } else {
      report('Opening Plaid…', 'progress');
      const { link_token } = await ctx.api.linkToken({ item_id: item.id, ...(accountSelection ? { account_selection: true } : {}) });
      outcome = await runLink(ctx.config.linkScriptUrl, link_token,
        { pending: { token: link_token, route: location.hash, purpose: 'update', itemId: item.id, accountSelection } });
    }
    if (outcome.kind === 'exit') {
      report(outcome.error ? describeExit(outcome) : `You closed Plaid, so ${bank} was not ${accountSelection ? 'updated' : 'reconnected'}.`, outcome.error ? 'error' : 'done');
      return false;
    }
    step = `Finishing with ${bank}`;
    report(`Checking ${bank} with Plaid…`, 'progress');
    await ctx.api.itemRepaired(item.id, accountSelection);
    report(accountSelection ? `${bank} is updated; new accounts appear as they sync.` : `${bank} is reconnected. Syncing now…`, 'done');
    await ctx.store.refresh();
    return true;
  } catch (e) {
    report(errorMessage(e, step), 'error');
    return false;
  }
}
