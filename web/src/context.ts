// What every view gets: the API, the polled overview, configuration, sign-in, and a way to tell
// screen-reader users what just happened.
import type { Api } from './api.ts';
import type { AuthSource } from './auth/session.ts';
import type { ClientConfig } from './config.ts';
import type { OverviewStore } from './store.ts';

export type AppContext = {
  api: Api;
  store: OverviewStore;
  config: ClientConfig;
  auth: AuthSource;
  /** Polite announcement in the page's live region. */
  announce(message: string): void;
  navigate(route: '#/setup' | '#/accounts'): void;
};
