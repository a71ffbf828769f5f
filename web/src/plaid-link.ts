// Plaid Link: loads Plaid's script (the CDN against real Plaid, the emulator's drop-in locally; the
// URL is configuration) once, then runs one Link session and resolves with how it ended.
//
// OAuth banks (Plaid's OAuth guide): Link sends the browser to the bank, which sends it back to the
// link token's redirect_uri (PLAID_REDIRECT_URI: this app's page) with ?oauth_state_id=. The session
// that left is kept in sessionStorage (the link token and what it was for), and on the way back Link is
// re-opened with the same token and receivedRedirectUri, which finishes the same session.
import type { LinkMetadata } from './types.ts';

export type LinkError = { error_type: string; error_code: string; error_message: string; display_message: string | null };
export type LinkOutcome =
  | { kind: 'success'; publicToken: string; metadata: LinkMetadata }
  | { kind: 'exit'; error: LinkError | null; status: string | null; institution: string | null };

type PlaidHandler = { open(): void; exit(opts?: unknown): void; destroy(): void };
type PlaidGlobal = {
  create(config: {
    token: string;
    receivedRedirectUri?: string;
    onSuccess(publicToken: string, metadata: LinkMetadata): void;
    onExit(error: LinkError | null, metadata: { status: string | null; institution: { name: string } | null }): void;
    onEvent?(name: string, metadata: unknown): void;
  }): PlaidHandler;
};

/** A Link session that may leave for an OAuth bank: what it was for, and where the user was. */
export type PendingLink = { token: string; route: string } & (
  | { purpose: 'create' }
  | { purpose: 'update'; itemId: string; accountSelection: boolean });
/** A session coming back from the bank: Link re-opens with this URL. */
export type LinkReturn = PendingLink & { receivedRedirectUri: string };

const PENDING_KEY = 'nestfolio.pendingLink';

let loading: Promise<PlaidGlobal> | null = null;

export function loadLink(scriptUrl: string): Promise<PlaidGlobal> {
  loading ??= new Promise<PlaidGlobal>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = scriptUrl;
    script.async = true;
    script.onload = () => {
      const plaid = (window as unknown as { Plaid?: PlaidGlobal }).Plaid;
      if (plaid) resolve(plaid);
      else reject(new Error('Plaid Link loaded but did not start.'));
    };
    script.onerror = () => {
      loading = null; // let the next attempt try again
      script.remove();
      reject(new Error('Plaid Link could not be loaded. Check your connection (or an ad blocker) and try again.'));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/**
 * Runs one Link session. `pending` is kept for the way back from an OAuth bank (and cleared once the
 * session ends here); `receivedRedirectUri` finishes a session that came back.
 */
export async function runLink(scriptUrl: string, token: string, opts: { pending?: PendingLink; receivedRedirectUri?: string } = {}): Promise<LinkOutcome> {
  const plaid = await loadLink(scriptUrl);
  if (opts.pending) sessionStorage.setItem(PENDING_KEY, JSON.stringify(opts.pending));
  return await new Promise<LinkOutcome>((resolve) => {
    let handler: PlaidHandler | null = null;
    const finish = (outcome: LinkOutcome) => {
      sessionStorage.removeItem(PENDING_KEY);
      resolve(outcome);
      // Plaid recommends destroying a handler that is done; after the callback has returned.
      setTimeout(() => handler?.destroy(), 0);
    };
    handler = plaid.create({
      token,
      ...(opts.receivedRedirectUri ? { receivedRedirectUri: opts.receivedRedirectUri } : {}),
      onSuccess: (publicToken, metadata) => finish({ kind: 'success', publicToken, metadata }),
      onExit: (error, metadata) => finish({ kind: 'exit', error, status: metadata?.status ?? null, institution: metadata?.institution?.name ?? null }),
    });
    handler.open();
  });
}

/**
 * At start: is this page the way back from an OAuth bank? Then the URL loses its ?oauth_state_id (a
 * reload must not replay it) and goes back to the page the user was on; the session to finish is
 * returned, or an error when this tab did not start it.
 */
export function takeLinkReturn(): LinkReturn | { error: string } | null {
  const params = new URLSearchParams(location.search);
  if (!params.has('oauth_state_id')) return null;
  const receivedRedirectUri = location.href;
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  let pending: PendingLink | null = null;
  try { pending = raw ? JSON.parse(raw) as PendingLink : null; } catch { pending = null; }
  history.replaceState(null, '', `${location.pathname}${pending?.route ?? location.hash}`);
  if (!pending) return { error: 'Your bank sent you back, but the connection was started in another tab or has expired. Nothing was connected; start again.' };
  return { ...pending, receivedRedirectUri };
}

/** What to tell the user when Link ended without a connection. */
export function describeExit(outcome: Extract<LinkOutcome, { kind: 'exit' }>): string {
  if (outcome.error) {
    const message = outcome.error.display_message || outcome.error.error_message;
    return `Plaid could not finish connecting${outcome.institution ? ` to ${outcome.institution}` : ''}: ${message} (${outcome.error.error_code}). Nothing was connected; you can try again.`;
  }
  return 'You closed Plaid before finishing, so nothing was connected. Choose "Connect accounts" to try again.';
}
