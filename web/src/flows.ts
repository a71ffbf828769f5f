// The two Plaid Link journeys. Connecting: link token → Link → exchange (the server stores the
// access token and starts the initial sync). Update mode (reconnect or new accounts): link token for
// the item → Link → plaid-item-repaired (the server checks with Plaid, then marks it healthy and syncs).
// Each step reports progress in words; failures are explained, never swallowed.
import type { AppContext } from './context.ts';
import { errorMessage } from './messages.ts';
import { describeExit, runLink } from './plaid-link.ts';
import type { Item } from './types.ts';

export type Report = (message: string, tone: 'progress' | 'done' | 'error') => void;

/** Connects a new institution; resolves with the new item's id, or null when nothing was connected. */
export async function connectAccounts(ctx: AppContext, report: Report): Promise<string | null> {
  let step = 'Starting Plaid';
  try {
    report('Opening Plaid…', 'progress');
    const { link_token } = await ctx.api.linkToken();
    step = 'Opening Plaid';
    const outcome = await runLink(ctx.config.linkScriptUrl, link_token);
    if (outcome.kind === 'exit') {
      report(describeExit(outcome), outcome.error ? 'error' : 'done');
      return null;
    }
    const bank = outcome.metadata.institution?.name ?? 'your bank';
    step = `Connecting ${bank}`;
    report(`Connecting ${bank}…`, 'progress');
    const { item } = await ctx.api.exchange(outcome.publicToken, outcome.metadata);
    report(`${bank} is connected. Importing transactions…`, 'progress');
    await ctx.store.refresh();
    return item.id;
  } catch (e) {
    report(errorMessage(e, step), 'error');
    return null;
  }
}

/** Link update mode for an item: sign in again, or share newly available accounts. */
export async function updateConnection(ctx: AppContext, item: Item, accountSelection: boolean, report: Report): Promise<boolean> {
  const bank = item.institution_name ?? 'your bank';
  let step = `Reconnecting ${bank}`;
  try {
    report('Opening Plaid…', 'progress');
    const { link_token } = await ctx.api.linkToken({ item_id: item.id, ...(accountSelection ? { account_selection: true } : {}) });
    const outcome = await runLink(ctx.config.linkScriptUrl, link_token);
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
