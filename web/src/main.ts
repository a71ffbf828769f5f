// Starts the client: configuration, sign-in (Supabase Auth when hosted; the local user's session on
// the local stack), the API over supabase-js, the polled overview, then the page frame.
import { readConfig } from './config.ts';
import { createApi } from './api.ts';
import { OverviewStore } from './store.ts';
import { h, replaceChildren } from './dom.ts';
import { mountShell } from './views/shell.ts';
import type { AuthSource } from './auth/session.ts';
import { takeLinkReturn } from './plaid-link.ts';
import './styles.css';

async function start(root: HTMLElement): Promise<void> {
  const config = readConfig();
  let auth: AuthSource;
  let switchUser: ((email: string) => Promise<void>) | undefined;
  // Vite replaces import.meta.env.VITE_LOCAL_SESSION_URL at build time: a hosted build has no local
  // sign-in code at all (the branch and its module are dropped).
  if (import.meta.env.VITE_LOCAL_SESSION_URL) {
    const { localSession } = await import('./auth/local-session.ts');
    const local = localSession(import.meta.env.VITE_LOCAL_SESSION_URL);
    await local.accessToken();
    auth = local;
    switchUser = (email) => local.switchUser(email);
  } else {
    const { supabaseAuth } = await import('./auth/supabase-auth.ts');
    const hosted = await supabaseAuth(config);
    if (!hosted.user()) {
      const { mountSignIn } = await import('./views/sign-in.ts');
      mountSignIn(root, hosted);
      hosted.onChange(() => { if (hosted.user()) location.reload(); });
      return;
    }
    auth = hosted;
  }
  const api = createApi(config, auth);
  const store = new OverviewStore(api, config.refreshIntervalMs);
  // Back from an OAuth bank: the URL goes back to the page that started Link, which finishes it.
  const linkReturn = { value: takeLinkReturn() };
  mountShell(root, { api, store, config, auth, linkReturn }, { switchUser });
}

const root = document.getElementById('app')!;
start(root).catch((e: unknown) => {
  replaceChildren(root, h('main', { id: 'main', class: 'fatal' },
    h('h1', {}, 'Nestfolio could not start'),
    h('p', { role: 'alert' }, e instanceof Error ? e.message : String(e))));
});
