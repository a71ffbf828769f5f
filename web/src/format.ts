// Formatting for people: money from decimal strings (never parsed through arithmetic that matters),
// counts, relative times ("3 minutes ago"), dates.
const moneyFormats = new Map<string, Intl.NumberFormat>();

export function money(amount: string | null, currency: string | null): string {
  if (amount === null) return '—';
  const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : null;
  const key = code ?? '';
  let f = moneyFormats.get(key);
  if (!f) {
    f = code ? new Intl.NumberFormat(undefined, { style: 'currency', currency: code }) : new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
    moneyFormats.set(key, f);
  }
  // Display only: Intl formats the decimal string exactly (no float arithmetic on the value).
  const text = f.format(amount as unknown as number);
  return code || !currency ? text : `${text} ${currency}`;
}

/** Plaid's sign: positive = money out. Shown as a person reads a statement: −$12.34 / +$500.00. */
export function signedAmount(amount: string, currency: string | null): string {
  const out = !amount.startsWith('-');
  const abs = amount.replace(/^-/, '');
  return `${out ? '−' : '+'}${money(abs, currency)}`;
}

export const count = (n: number) => new Intl.NumberFormat().format(n);

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [['day', 86_400], ['hour', 3_600], ['minute', 60]];

export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Math.abs(seconds) < 45) return seconds > 0 ? 'in a few seconds' : 'just now';
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'minute') return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(seconds, 'second');
}

export const dateTime = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const time = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
export const day = (isoDate: string) =>
  new Date(`${isoDate}T00:00:00`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: 'numeric' });

const ACRONYMS = new Set(['cd', 'hsa', 'ira', 'apr', 'ach', 'atm']);

export function humanize(code: string): string {
  const s = code.toLowerCase().replace(/_/g, ' ').split(' ').map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w)).join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The bank an account is at, as every page says it: an account kept after its connection was removed
 *  still names its bank, "(disconnected)"; one never connected is the fallback ("Manual"). */
export function bankLabel(institutionName: string | null, connected: boolean, fallback: string): string {
  if (!institutionName) return fallback;
  return connected ? institutionName : `${institutionName} (disconnected)`;
}
