// What every view gets: the API, the polled overview, configuration, sign-in, and a way to tell
// screen-reader users what just happened.
import type { Api } from './api.ts';
import type { AuthSource } from './auth/session.ts';
import type { ClientConfig } from './config.ts';
import type { OverviewStore } from './store.ts';
import type { LinkReturn } from './plaid-link.ts';

export type AppContext = {
  api: Api;
  store: OverviewStore;
  config: ClientConfig;
  auth: AuthSource;
  /** Polite announcement in the page's live region. */
  announce(message: string): void;
  navigate(route: '#/setup' | '#/accounts'): void;
  /** A Link session back from an OAuth bank, for the page it was started on to finish (taken once). */
  linkReturn: { value: LinkReturn | { error: string } | null };
};

/** Takes the Link session back from an OAuth bank (or why it cannot finish), once. */
export function takeReturn(ctx: AppContext): LinkReturn | { error: string } | null {
  const back = ctx.linkReturn.value;
  ctx.linkReturn.value = null;
  return back;
}
