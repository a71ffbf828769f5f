// Words for people: error messages, connection status badges and the action a connection needs.
import { ApiError } from './api.ts';
import { humanize, dateTime, time, timeAgo } from './format.ts';
import type { Item } from './types.ts';

const sentence = (s: string) => { const t = s.charAt(0).toUpperCase() + s.slice(1); return /[.!?]$/.test(t) ? t : `${t}.`; };

/** An error from a function call, as the user should read it. */
export function errorMessage(e: unknown, doing: string): string {
  if (!(e instanceof ApiError)) return `${doing} failed: ${e instanceof Error ? e.message : String(e)}`;
  switch (e.code) {
    case 'NETWORK': return `${doing} failed: ${e.message}`;
    case 'MISSING_CREDENTIALS': case 'INVALID_JWT': return 'Your session has ended. Sign in again, then retry.';
    case 'DUPLICATE_ITEM': return 'This bank is already connected with these accounts, so nothing was added. If it stopped updating, use "Reconnect" on the Accounts page instead.';
    case 'PLAID_UNAVAILABLE': return `${doing} failed: Plaid did not answer in time. Please try again in a minute.`;
    case 'PLAID_ERROR': {
      const code = typeof e.details?.error_code === 'string' ? ` (${e.details.error_code})` : '';
      return `${doing} failed: ${sentence(e.message)}${code ? ` Plaid code${code}.` : ''}`;
    }
    default: return `${doing} failed: ${sentence(e.message)}`;
  }
}

export type Tone = 'ok' | 'info' | 'warn' | 'error';

export function statusBadge(item: Item): { text: string; tone: Tone } {
  switch (item.status) {
    case 'login_required': return { text: 'Sign-in required', tone: 'warn' };
    case 'pending_expiration': return { text: 'Consent expiring', tone: 'warn' };
    case 'pending_disconnect': return { text: 'Disconnecting soon', tone: 'warn' };
    case 'revoked': return { text: 'Access revoked', tone: 'error' };
    case 'error': return { text: 'Error', tone: 'error' };
  }
  if (item.sync_retry_at) return { text: 'Update failed, retrying', tone: 'warn' };
  if (!item.initial_sync_done) return { text: 'Importing…', tone: 'info' };
  if (item.sync_running || item.sync_in_progress) return { text: 'Syncing…', tone: 'info' };
  if (item.action_needed === 'new_accounts') return { text: 'New accounts available', tone: 'info' };
  return { text: 'Up to date', tone: 'ok' };
}

export type NeededAction = { message: string; button: string; kind: 'update' | 'update-accounts' | 'connect' | null };

export function neededAction(item: Item): NeededAction | null {
  const bank = item.institution_name ?? 'Your bank';
  switch (item.action_needed) {
    case 'reconnect':
      if (item.status === 'pending_expiration') return { message: `Your consent to share data from ${bank} expires ${item.consent_expires_at ? `on ${dateTime(item.consent_expires_at)}` : 'soon'}. Reconnect to keep your accounts updating.`, button: 'Reconnect', kind: 'update' };
      if (item.status === 'pending_disconnect') return { message: `${bank} will stop sharing data soon. Reconnect to keep your accounts updating.`, button: 'Reconnect', kind: 'update' };
      return { message: `${bank} needs you to sign in again. Balances and transactions are not updated until you reconnect.`, button: 'Reconnect', kind: 'update' };
    case 'new_accounts':
      return { message: `${bank} has new accounts you can add to Nestfolio.`, button: 'Add new accounts', kind: 'update-accounts' };
    case 'reconnect_required_revoked':
      return { message: `Access to ${bank} was revoked, so its accounts no longer update. Connect ${bank} again to restore them: your accounts and their history are kept.`, button: 'Connect again', kind: 'connect' };
    case 'error': {
      const why = item.error_display_message ?? (item.error_code ? `Plaid reported ${humanize(item.error_code)} (${item.error_code}).` : 'Plaid reported an error.');
      return { message: `${sentence(why)} Try "Sync now" later; if it keeps failing, remove the connection and connect the bank again.`, button: '', kind: null };
    }
  }
  return null;
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

/** A failed sync waiting for its retry: what went wrong and when Nestfolio tries again. */
export function retryNote(item: Item): string | null {
  if (!item.sync_retry_at) return null;
  return `${syncFailure(item)} Nestfolio tries again at ${time(item.sync_retry_at)} (${timeAgo(item.sync_retry_at)}); nothing is needed from you.`;
}
