// What Postgres can store, checked before anything is sent to it, so bad input is a 4xx (or, for a
// signed webhook, a recorded rejection) and never a database error: text with no NUL character
// (text and jsonb cannot hold U+0000) and no unpaired UTF-16 surrogate (not UTF-8 at all), JSON nested
// no deeper than a body of ours ever is (Postgres parses jsonb recursively), dates from year 1
// (Postgres has no year 0) and date-times whose offset Postgres accepts.
import { z } from 'zod';

/** Deeper than any request or Plaid webhook body we take. */
export const MAX_JSON_DEPTH = 32;

/** Why a string cannot be stored, or null. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (!s.isWellFormed()) return 'contains an unpaired UTF-16 surrogate (not valid Unicode)';
  return null;
}

export type Unstorable = { path: string; message: string };

/**
 * The first thing in a parsed JSON value Postgres could not store (a key or string, or the nesting),
 * with where it is ("body" for the top), or null. Iterative, so a hostile depth cannot exhaust the stack.
 */
export function unstorableJson(value: unknown, maxDepth = MAX_JSON_DEPTH): Unstorable | null {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: 'body', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { path, message: `${path}: ${problem}` };
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return { path, message: `${path}: nested more than ${maxDepth} levels deep` };
      for (const [k, child] of Object.entries(v)) {
        const problem = textProblem(k);
        if (problem) return { path, message: `${path}: a key ${problem}` };
        stack.push({ v: child, path: path === 'body' ? k : `${path}.${k}`, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** A calendar date Postgres can store: YYYY-MM-DD from 0001-01-01. */
export const storableDate = z.iso.date().refine((d) => d >= '0001-01-01', 'must be a date from year 1 on (there is no year 0)');

/** An ISO 8601 date-time with an offset (Z or ±hh:mm) Postgres can store. */
export const storableDateTime = z.iso.datetime({ offset: true })
  .refine((d) => d.slice(0, 4) >= '0001', 'must be a date-time from year 1 on (there is no year 0)')
  .refine((d) => !/[+-](1[5-9]|2\d):?\d\d$/.test(d), 'the UTC offset must be at most 14 hours');

/** A \u escape Postgres text cannot hold (NUL, or a surrogate, which may be unpaired): worth a closer look. */
const suspectEscape = /\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;

/** A string Postgres can store: NUL and unpaired surrogates become U+FFFD (the replacement character). */
const storableString = (s: string) => s.replaceAll('\u0000', '\uFFFD').toWellFormed();

/**
 * JSON text from Plaid made storable: text with a NUL character or an unpaired surrogate (as \u escapes)
 * would make the whole response fail as jsonb, so those characters are replaced with U+FFFD and the
 * record kept. Returns the text unchanged (no parse) unless such an escape appears; `replaced` counts
 * the strings and keys changed.
 */
export function storableJsonText(text: string): { text: string; replaced: number } {
  if (!suspectEscape.test(text)) return { text, replaced: 0 };
  let replaced = 0;
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const t = storableString(v);
      if (t !== v) replaced++;
      return t;
    }
    if (Array.isArray(v)) return v.map(clean);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [clean(k) as string, clean(x)]));
    return v;
  };
  const cleaned = clean(JSON.parse(text));
  return replaced === 0 ? { text, replaced } : { text: JSON.stringify(cleaned), replaced };
}
