// The Plaid calls the functions made, from their `plaid_call` log lines in the test stack's log (one
// line per attempt, with the function, the user for user functions, the endpoint and request_id).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { testStack } from './stack.ts';
import { eventually } from './wait.ts';

export type PlaidCallLine = { fn: string; user?: string; endpoint: string; item: string | null; outcome: string };

/** A mark in the log: plaidCallsSince(mark) reads only what was written after it. */
export const logMark = (): number => statSync(testStack.stackLog).size;

export function plaidCallsSince(mark: number, filter: (c: PlaidCallLine) => boolean = () => true): PlaidCallLine[] {
  const fd = openSync(testStack.stackLog, 'r');
  try {
    const size = statSync(testStack.stackLog).size;
    const buf = Buffer.alloc(Math.max(0, size - mark));
    readSync(fd, buf, 0, buf.length, mark);
    return buf.toString('utf8').split('\n')
      .filter((l) => l.startsWith('[functions] {') && l.includes('"msg":"plaid_call"'))
      .map((l) => JSON.parse(l.slice('[functions] '.length)) as PlaidCallLine)
      .filter(filter);
  } finally {
    closeSync(fd);
  }
}

/** Waits until exactly `expected` matching calls are logged after mark (log lines trail the answers). */
export async function expectPlaidCalls(mark: number, filter: (c: PlaidCallLine) => boolean, expected: number): Promise<PlaidCallLine[]> {
  return await eventually(async () => plaidCallsSince(mark, filter), (calls) => calls.length >= expected, 10_000,
    { what: `${expected} Plaid calls in the log` });
}
