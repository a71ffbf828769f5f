// Words for people: error messages and records set aside. A connection's status is connection-state.ts.
import { ApiError } from './api.ts';
import type { Item } from './types.ts';

const sentence = (s: string) => { const t = s.charAt(0).toUpperCase() + s.slice(1); return /[.!?]$/.test(t) ? t : `${t}.`; };

/** An error from a function call, as the user should read it. */
export function errorMessage(e: unknown, doing: string): string {
  if (!(e instanceof ApiError)) return `${doing} failed: ${e instanceof Error ? e.message : String(e)}`;
  switch (e.code) {
    case 'NETWORK': return `${doing} failed: ${e.message}`;
    case 'TIMEOUT': return `${doing} failed: Nestfolio did not answer in time. Please try again in a minute.`;
    case 'MISSING_CREDENTIALS': case 'INVALID_JWT': return 'Your session has ended. Sign in again, then retry.';
    case 'DUPLICATE_ITEM': return 'This bank is already connected with these accounts, so nothing was added. If it stopped updating, use "Reconnect" on the Accounts page instead.';
    case 'RATE_LIMITED': {
      const seconds = Number(e.details?.retry_after_seconds);
      return `${doing} was not done: too many requests in a short time. Try again ${Number.isFinite(seconds) && seconds > 0 ? `in ${seconds} s` : 'in a minute'}.`;
    }
    case 'PLAID_UNAVAILABLE': return `${doing} failed: Plaid did not answer in time. Please try again in a minute.`;
    case 'PLAID_ERROR': {
      const code = typeof e.details?.error_code === 'string' ? ` (${e.details.error_code})` : '';
      return `${doing} failed: ${sentence(e.message)}${code ? ` Plaid code${code}.` : ''}`;
    }
    case 'SERVER': return `${doing} failed: Nestfolio's server did not answer properly${e.status ? ` (error ${e.status})` : ''}. Please try again in a minute.`;
    default: return `${doing} failed: ${sentence(e.message)}`;
  }
}

/** Words for records set aside (poison records): what happened, that the rest is saved, what happens next. */
export function quarantineNote(item: Item): string | null {
  const n = item.records_quarantined ?? 0;
  if (n <= 0) return null;
  const bank = item.institution_name ?? 'this bank';
  const what = n === 1 ? 'One record' : `${n.toLocaleString('en-US')} records`;
  return `${what} from ${bank} could not be saved as the bank sent ${n === 1 ? 'it' : 'them'} (for example, a date that does not exist), so ${n === 1 ? 'it was' : 'they were'} set aside. Everything else from this connection was saved. ${n === 1 ? 'It is' : 'They are'} saved automatically if the bank sends a corrected version.`;
}

