// Property: any sequence of Plaid-side changes (adds, modifies, removes, pending → posted, new
// accounts appearing at the bank, balances moving with a transaction) interleaved with syncs leaves
// the database equal to Plaid's truth after every sync: the transactions, and the item's accounts
// with their balances; and no cursor committed along the way (the initial sync's pages, fetched
// while the previous one is written, included) was ever ahead of the data committed with it. The
// sequences come from fast-check seeded with PROPERTY_SEED (or a new seed per run); a failure prints
// the seed (and fast-check its counterexample and path).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { reportSeedOnFailure, testSeed } from '../support/seed.ts';
import { expectAccountsEqualTruth, expectCursorNeverAhead, expectEqualsTruth, plaidItemId, syncNow, truth, waitForIdle, watchCursor } from '../support/sync.ts';

const cents = (min: number, max: number) => fc.integer({ min, max }).map((c) => c / 100);

type Op =
  | { kind: 'add'; account: number; n: number; pending: boolean; amount: number }
  | { kind: 'modify'; pick: number; amount: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'post'; pick: number }
  | { kind: 'newAccount'; type: 'depository' | 'credit'; n: number; pending: boolean; amount: number; current: number }
  | { kind: 'balance'; account: number; current: number; available: number; amount: number }
  | { kind: 'sync' };

const newAccount = fc.record({ kind: fc.constant('newAccount' as const), type: fc.constantFrom('depository' as const, 'credit' as const), n: fc.integer({ min: 1, max: 5 }), pending: fc.boolean(), amount: cents(1, 20000), current: cents(0, 1000000) });

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), account: fc.nat(), n: fc.integer({ min: 1, max: 30 }), pending: fc.boolean(), amount: cents(-50000, 50000) }),
  fc.record({ kind: fc.constant('modify' as const), pick: fc.nat(), amount: cents(1, 99999) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('post' as const), pick: fc.nat() }),
  // An account appears at the bank mid-history, with its first transactions.
  newAccount,
  // A balance moves, with the transaction that moved it (sync reports the balances of the accounts in its pages).
  fc.record({ kind: fc.constant('balance' as const), account: fc.nat(), current: cents(-100000, 1000000), available: cents(0, 1000000), amount: cents(-5000, 5000) }),
  fc.constant({ kind: 'sync' as const }),
);

type Account = { account_id: string; type: string };

/** Accounts that carry transactions in /transactions/sync (Plaid leaves investment accounts out). */
async function transactionAccounts(plaidId: string): Promise<Account[]> {
  const { accounts } = await emulator<{ accounts: Account[] }>('GET', `/items/${plaidId}/accounts`);
  return accounts.filter((a) => a.type === 'depository' || a.type === 'credit');
}

async function apply(plaidId: string, o: Exclude<Op, { kind: 'sync' }>) {
  const addTo = async (accountId: string, n: number, amount: number, pending: boolean, name: string) => emulator('POST', `/items/${plaidId}/transactions`, {
    transactions: Array.from({ length: n }, (_, i) => ({ amount: amount + i, name: `${name} ${i}`, pending, account_id: accountId })),
  });
  if (o.kind === 'add') {
    const accounts = await transactionAccounts(plaidId);
    await addTo(accounts[o.account % accounts.length].account_id, o.n, o.amount, o.pending, 'Property');
    return;
  }
  if (o.kind === 'newAccount') {
    const { account } = await emulator<{ account: Account }>('POST', `/items/${plaidId}/accounts`, {
      type: o.type, balances: o.type === 'credit' ? { current: o.current, limit: o.current + 500 } : { current: o.current, available: o.current },
    });
    await addTo(account.account_id, o.n, o.amount, o.pending, 'New account');
    return;
  }
  if (o.kind === 'balance') {
    const accounts = await transactionAccounts(plaidId);
    const { account_id } = accounts[o.account % accounts.length];
    await emulator('POST', `/items/${plaidId}/balances`, { account_id, current: o.current, available: o.available });
    await addTo(account_id, 1, o.amount, false, 'Balance mover');
    return;
  }
  const current = await truth(plaidId);
  const pool = o.kind === 'post' ? current.filter((t) => t.pending) : current;
  if (pool.length === 0) return;
  const t = pool[o.pick % pool.length];
  if (o.kind === 'modify') await emulator('PATCH', `/items/${plaidId}/transactions/${t.transaction_id}`, { amount: o.amount });
  if (o.kind === 'remove') await emulator('DELETE', `/items/${plaidId}/transactions/${t.transaction_id}`);
  if (o.kind === 'post') await emulator('POST', `/items/${plaidId}/transactions/${t.transaction_id}/post`, {});
}

describe('sync property', () => {
  it('after every sync the database equals the emulator\'s truth: transactions, accounts and balances', async () => {
    reportSeedOnFailure('tests/sync/property.test.ts');
    // Every sequence has at least one new account somewhere in it.
    const ops = fc.tuple(fc.array(op, { minLength: 2, maxLength: 11 }), newAccount, fc.nat())
      .map(([rest, account, at]) => rest.toSpliced(at % (rest.length + 1), 0, account));
    // A one-page history, or three pages: then the next page is fetched while one is written.
    const history = fc.constantFrom(40, 1100);
    await fc.assert(fc.asyncProperty(ops, history, async (sequence, historySize) => {
      const s = await newSession('prop');
      const item = await connectItem(s, { username: 'user_custom', password: JSON.stringify({ emulator: { history_size: historySize } }) });
      // Every cursor committed from here on, with the data committed with it.
      const watch = watchCursor(item.id);
      await waitForIdle(item.id);
      const plaidId = await plaidItemId(item.id);
      await expectAccountsEqualTruth(item.id, expect);
      for (const o of [...sequence, { kind: 'sync' as const }]) {
        if (o.kind === 'sync') {
          await syncNow(item.id);
          await expectEqualsTruth(item.id, expect);
          await expectAccountsEqualTruth(item.id, expect);
        } else {
          await apply(plaidId, o);
        }
      }
      // No cursor was ever committed ahead of its data (tests/support/sync.ts).
      await expectCursorNeverAhead(item.id, await watch.stop(), expect);
    }), { numRuns: 8, seed: testSeed, endOnFailure: true });
  }, 120_000);
});
