// Chart ranges: 1M / 3M / 1Y / ALL, as UTC days (the balance history's days are UTC days).
import { z } from 'zod';

export const range = z.enum(['1M', '3M', '1Y', 'ALL']);
export type Range = z.infer<typeof range>;

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** [from, to] for a range ending today (UTC); from is null for ALL (the first day with a balance). */
export function rangeDates(r: Range, now = new Date()): { from: string | null; to: string } {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (r === 'ALL') return { from: null, to: iso(to) };
  const from = new Date(to);
  if (r === '1Y') from.setUTCFullYear(from.getUTCFullYear() - 1);
  else from.setUTCMonth(from.getUTCMonth() - (r === '3M' ? 3 : 1));
  return { from: iso(from), to: iso(to) };
}
