// What a connection is doing, as ONE state derived from its overview row (item_overview): every view
// renders this, so a card never says "Importing…" beside "Up to date" and the header's count agrees
// with the cards. Pure (the time is a parameter), unit-tested in tests/web/connection-state.test.ts.
import { count, dateTime, humanize, time, timeAgo } from './format.ts';
import type { Item } from './types.ts';

export type Tone = 'ok' | 'info' | 'warn' | 'error' | 'muted';

export type ConnectionKind =
  | 'revoked' | 'needs_reconnect' | 'disconnecting' | 'consent_expiring' | 'error'
  | 'importing' | 'syncing' | 'retrying' | 'new_accounts' | 'up_to_date';

/** What the user can do about it: Link update mode, with account selection, or connect again. */
export type Remedy = { button: string; kind: 'update' | 'update-accounts' | 'connect' };

export type ConnectionState = {
  kind: ConnectionKind;
  badge: { text: string; tone: Tone };
  /** The line under the name: when it was last updated and what the last sync changed, or progress. */
  detail: string;
  /** The time `detail` is about (for a <time> element), if any. */
  updatedAt: string | null;
  /** A message that needs reading (and maybe an action): a reconnect, a failure and its retry. */
  callout: { message: string; tone: Tone; remedy: Remedy | null } | null;
  /** The user must act for it to keep updating (counted in the header and the Setup Hub). */
  needsUser: boolean;
  /** Why, in a few words, for lists of what needs attention ("needs you to sign in again"). */
  attention: string | null;
  /** The overview could not be refreshed: this is the last known state, not a confirmed one. */
  unconfirmed: boolean;
};

const sentence = (s: string) => { const t = s.charAt(0).toUpperCase() + s.slice(1); return /[.!?]$/.test(t) ? t : `${t}.`; };
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** The later of two ISO times (either may be missing). */
export function later(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** When the connection's data last changed hands: a transactions sync or a balance refresh. */
export const lastUpdated = (item: Item): string | null => later(item.last_synced_at, item.last_balance_refresh_at);

/** What the last successful sync changed, in words ("12 new transactions, 1 updated"; the import: how many). */
export function syncResult(item: Item): string | null {
  if (!item.last_sync_finished_at) return null;
  if (item.last_sync_was_import) return `${plural(item.transactions_synced, 'transaction')} imported`;
  const parts = [
    item.last_sync_added ? plural(item.last_sync_added, 'new transaction') : null,
    item.last_sync_modified ? `${count(item.last_sync_modified)} updated` : null,
    item.last_sync_removed ? `${count(item.last_sync_removed)} removed` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no new transactions';
}

/** Why a sync failed, in words (Plaid's display message when it has one). */
export function syncFailure(item: Item): string {
  const code = item.last_sync_error_code ?? '';
  if (item.last_sync_error_display_message) return sentence(item.last_sync_error_display_message);
  if (/^INSTITUTION_(DOWN|NOT_RESPONDING|NOT_AVAILABLE)$/.test(code)) return `${item.institution_name ?? 'The bank'} is not responding to Plaid right now.`;
  if (code === 'PLANNED_MAINTENANCE') return 'Plaid is down for planned maintenance.';
  if (code === 'TIMEOUT' || code === 'NETWORK_ERROR') return 'Plaid did not answer in time.';
  if (code === 'PRODUCT_NOT_READY') return 'Plaid is still preparing this data.';
  if (code === 'INTERNAL_SERVER_ERROR' || code === 'INTERNAL') return 'Plaid had a problem on its side.';
  if (/LIMIT$/.test(code)) return 'Plaid asked Nestfolio to slow down.';
  return code ? `Plaid reported ${humanize(code)} (${code}).` : 'The last update failed.';
}

function kindOf(item: Item): ConnectionKind {
  switch (item.status) {
    case 'revoked': return 'revoked';
    case 'login_required': return 'needs_reconnect';
    case 'pending_disconnect': return 'disconnecting';
    case 'pending_expiration': return 'consent_expiring';
    case 'error': return 'error';
  }
  if (!item.initial_sync_done && !item.sync_retry_at) return 'importing';
  if (item.sync_running || item.sync_in_progress) return 'syncing';
  if (item.sync_retry_at) return 'retrying';
  if (item.new_accounts_available) return 'new_accounts';
  return 'up_to_date';
}

const BADGES: Record<ConnectionKind, { text: string; tone: Tone }> = {
  revoked: { text: 'Access revoked', tone: 'error' },
  needs_reconnect: { text: 'Sign-in required', tone: 'warn' },
  disconnecting: { text: 'Disconnecting soon', tone: 'warn' },
  consent_expiring: { text: 'Consent expiring', tone: 'warn' },
  error: { text: 'Error', tone: 'error' },
  importing: { text: 'Importing…', tone: 'info' },
  syncing: { text: 'Syncing…', tone: 'info' },
  retrying: { text: 'Update failed, retrying', tone: 'warn' },
  new_accounts: { text: 'New accounts available', tone: 'info' },
  up_to_date: { text: 'Up to date', tone: 'ok' },
};

const ATTENTION: Partial<Record<ConnectionKind, string>> = {
  revoked: 'access was revoked: connect it again',
  needs_reconnect: 'needs you to sign in again',
  disconnecting: 'stops sharing data soon: reconnect',
  consent_expiring: 'consent expires soon: reconnect',
  new_accounts: 'has new accounts you can add',
};

function updatedLine(item: Item, now: number): string {
  const at = lastUpdated(item);
  if (!at) return 'Not updated yet';
  const sync = item.last_synced_at;
  // A balance refresh newer than the last transactions sync: say both, so neither time misleads.
  if (sync && at !== sync && Date.parse(at) - Date.parse(sync) > 60_000) {
    return `Balances updated ${timeAgo(at, now)}; transactions ${timeAgo(sync, now)}`;
  }
  return `Updated ${timeAgo(at, now)}`;
}

function calloutFor(kind: ConnectionKind, item: Item, now: number): ConnectionState['callout'] {
  const bank = item.institution_name ?? 'Your bank';
  const reconnect: Remedy = { button: 'Reconnect', kind: 'update' };
  switch (kind) {
    case 'consent_expiring':
      return { tone: 'warn', remedy: reconnect, message: `Your consent to share data from ${bank} expires ${item.consent_expires_at ? `on ${dateTime(item.consent_expires_at)}` : 'soon'}. Reconnect to keep your accounts updating.` };
    case 'disconnecting':
      return { tone: 'warn', remedy: reconnect, message: `${bank} will stop sharing data soon. Reconnect to keep your accounts updating.` };
    case 'needs_reconnect':
      return { tone: 'warn', remedy: reconnect, message: `${bank} needs you to sign in again. Balances and transactions are not updated until you reconnect.` };
    case 'revoked':
      return { tone: 'error', remedy: { button: 'Connect again', kind: 'connect' }, message: `Access to ${bank} was revoked, so its accounts no longer update. Connect ${bank} again to restore them: your accounts and their history are kept.` };
    case 'error': {
      const why = item.error_display_message ?? (item.error_code ? `Plaid reported ${humanize(item.error_code)} (${item.error_code}).` : 'Plaid reported an error.');
      return { tone: 'error', remedy: null, message: `${sentence(why)} Try "Sync now" later; if it keeps failing, remove the connection and connect the bank again.` };
    }
    case 'retrying':
      return { tone: 'warn', remedy: null, message: `${item.initial_sync_done ? 'The last update failed' : 'The import stopped'}: ${syncFailure(item)} Nestfolio tries again at ${time(item.sync_retry_at!)} (${timeAgo(item.sync_retry_at!, now)}); nothing is needed from you.` };
    case 'new_accounts':
      return { tone: 'info', remedy: { button: 'Add new accounts', kind: 'update-accounts' }, message: `${bank} has new accounts you can add to Nestfolio.` };
  }
  return null;
}

/** The one state of a connection at `now`; `unconfirmed` when the overview could not be refreshed. */
export function connectionState(item: Item, now: number, opts: { unconfirmed?: boolean } = {}): ConnectionState {
  const kind = kindOf(item);
  const updatedAt = lastUpdated(item);
  let detail: string;
  if (kind === 'importing') detail = `Importing transactions… ${count(item.transactions_synced)} so far`;
  else if (kind === 'syncing') detail = `Checking for new transactions…${updatedAt ? ` (last updated ${timeAgo(updatedAt, now)})` : ''}`;
  else if (kind === 'up_to_date' || kind === 'new_accounts') {
    const result = syncResult(item);
    detail = `${updatedLine(item, now)}${result ? ` · ${result}` : ''}`;
  } else detail = updatedAt ? `Last updated ${timeAgo(updatedAt, now)}` : 'Not updated yet';
  const badge = opts.unconfirmed ? { text: 'Status unconfirmed', tone: 'muted' as Tone } : BADGES[kind];
  if (opts.unconfirmed) detail = `Last known: ${BADGES[kind].text.replace(/…$/, '')}. ${detail}`;
  return {
    kind, badge, detail, updatedAt, unconfirmed: opts.unconfirmed ?? false,
    callout: calloutFor(kind, item, now),
    needsUser: kind in ATTENTION,
    attention: ATTENTION[kind] ?? null,
  };
}

/** An account's balance time when it differs from its connection's (e.g. the bank stopped reporting it). */
export function accountFreshness(balanceUpdatedAt: string | null, item: Item | null, now: number): string | null {
  if (!item || !balanceUpdatedAt) return null;
  const connection = lastUpdated(item);
  if (!connection || Date.parse(connection) - Date.parse(balanceUpdatedAt) < 15 * 60_000) return null;
  return `Balance from ${timeAgo(balanceUpdatedAt, now)}`;
}

/** The connections that need the user, for the header's count and the Setup Hub. */
export const needingAttention = (items: Item[], now: number) =>
  items.map((item) => ({ item, state: connectionState(item, now) })).filter((x) => x.state.needsUser);
