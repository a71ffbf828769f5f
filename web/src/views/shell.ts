// The page frame: header with navigation and the signed-in user, the main region the router fills,
// and one polite live region for announcements. Routes are hashes (#/setup, #/accounts) so any
// static host serves the app; on a route change the new page's heading takes focus.
import type { AppContext } from '../context.ts';
import { h, replaceChildren } from '../dom.ts';
import { accountsPage } from './accounts.ts';
import { setupHubPage } from './setup-hub.ts';
import { field, openFormDialog } from './dialog.ts';
import { accountPage } from './account-page.ts';
import { explorerPage } from './explorer.ts';
import { netWorthPage } from './net-worth-page.ts';
import { needingAttention } from '../connection-state.ts';
import type { StoreState } from '../store.ts';

type Page = { el: HTMLElement; dispose(): void };
type Route = { title: string; page: (ctx: AppContext, params: URLSearchParams) => Page };
const routes: Record<string, Route> = {
  '#/setup': { title: 'Setup Hub', page: setupHubPage },
  '#/accounts': { title: 'Accounts', page: accountsPage },
  '#/transactions': { title: 'Transactions', page: explorerPage },
  '#/net-worth': { title: 'Net worth', page: netWorthPage },
};
const accountRoute = /^#\/accounts\/([0-9a-f-]{36})$/i;

/** Where the app opens when no page is named: Accounts once anything is there, else the Setup Hub. */
const home = (state: StoreState) => state.overview && !state.overview.items.length && !state.overview.accounts.length ? '#/setup' : '#/accounts';
const isHome = (hash: string) => ['', '#', '#/'].includes(hash.split('?')[0]);

/** The route for a hash: its path (before "?") names the page; #/accounts/<id> is one account. */
function resolve(hash: string): { nav: string; route: Route; params: URLSearchParams } {
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const account = accountRoute.exec(path);
  if (account) return { nav: '#/accounts', route: { title: 'Account', page: (ctx) => accountPage(ctx, account[1]) }, params };
  return routes[path] ? { nav: path, route: routes[path], params } : { nav: '#/setup', route: routes['#/setup'], params };
}

export function mountShell(root: HTMLElement, base: Omit<AppContext, 'announce' | 'navigate'>, extras: { switchUser?: (email: string) => Promise<void> }): void {
  const announcer = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'announcer' });
  const main = h('main', { id: 'main', tabindex: -1 });
  const links = Object.entries(routes).map(([hash, r]) => h('a', { href: hash }, r.title));
  // Connections that need the user, counted on the Accounts link wherever they are in the app.
  const attention = h('span', { class: 'attention-count', 'data-testid': 'attention-count', hidden: true });
  links.find((a) => a.getAttribute('href') === '#/accounts')!.append(attention);
  const renderAttention = (state: StoreState) => {
    const n = needingAttention(state.overview?.items ?? [], Date.now()).length;
    attention.hidden = n === 0;
    if (n === 0) replaceChildren(attention);
    else replaceChildren(attention, h('span', { 'aria-hidden': 'true' }, String(n)),
      h('span', { class: 'visually-hidden' }, `, ${n} connection${n === 1 ? ' needs' : 's need'} your attention`));
  };
  const user = h('span', { class: 'user-email', 'data-testid': 'user' });
  const userBox = h('div', { class: 'user' }, user);
  if (base.auth.kind === 'local') {
    userBox.append(h('span', { class: 'badge tone-muted' }, 'local stack'));
    if (extras.switchUser) {
      const switchUser = extras.switchUser;
      userBox.append(h('button', { type: 'button', class: 'link-button', onclick: () => openFormDialog({
        title: 'Switch local user',
        intro: h('p', {}, 'The local stack signs you in as any email address (there is no password locally).'),
        fields: [field('Email', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, value: base.auth.user()?.email ?? '' }))],
        submitLabel: 'Switch',
        validate: (f) => /^[^@\s]+@[^@\s]+$/.test((f.elements.namedItem('email') as HTMLInputElement).value) ? null : 'Enter an email address.',
        onSubmit: async (f) => { await switchUser((f.elements.namedItem('email') as HTMLInputElement).value.trim()); location.reload(); },
      }) }, 'Switch user'));
    }
  } else {
    userBox.append(h('button', { type: 'button', class: 'link-button', onclick: async () => { await base.auth.signOut(); location.reload(); } }, 'Sign out'));
  }
  const header = h('header', { class: 'app-header' },
    h('a', { class: 'brand', href: '#/' }, 'Nestfolio'),
    h('nav', { 'aria-label': 'Main' }, ...links),
    userBox);
  replaceChildren(root, header, main, announcer);

  let current: Page | null = null;
  let first = true;
  const ctx: AppContext = {
    ...base,
    announce(message) {
      // Cleared first so the same message twice is announced twice.
      announcer.textContent = '';
      setTimeout(() => { announcer.textContent = message; }, 50);
    },
    navigate(route) { location.hash = route; },
  };

  async function show(): Promise<void> {
    if (isHome(location.hash)) {
      // Which page is home depends on what the user has: the first load says (a failed one opens
      // Accounts, which says what failed and offers Retry).
      if (!base.store.state.overview && !base.store.state.error) await base.store.refresh();
      history.replaceState(null, '', `${location.pathname}${location.search}${home(base.store.state)}`);
    }
    const { nav: hash, route, params } = resolve(location.hash);
    current?.dispose();
    current = route.page(ctx, params);
    replaceChildren(main, current.el);
    document.title = `${route.title} · Nestfolio`;
    for (const a of links) a.toggleAttribute('aria-current', a.getAttribute('href') === hash);
    for (const a of links) if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
    if (!first) current.el.querySelector<HTMLElement>('h1')?.focus();
    first = false;
  }

  const renderUser = () => { user.textContent = base.auth.user()?.email ?? ''; };
  base.auth.onChange(renderUser);
  renderUser();
  base.store.subscribe(renderAttention);
  window.addEventListener('hashchange', () => void show());
  void show();
}
