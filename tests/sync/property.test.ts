// Property: any sequence of Plaid-side mutations (adds, modifies, removes, pending → posted)
// interleaved with syncs leaves the database equal to Plaid's truth after every sync.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connectItem, emulator } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { expectEqualsTruth, plaidItemId, syncNow, truth, waitForIdle } from '../support/sync.ts';

type Op =
  | { kind: 'add'; n: number; pending: boolean; amount: number }
  | { kind: 'modify'; pick: number; amount: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'post'; pick: number }
  | { kind: 'sync' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), n: fc.integer({ min: 1, max: 30 }), pending: fc.boolean(), amount: fc.integer({ min: -50000, max: 50000 }).map((c) => c / 100) }),
  fc.record({ kind: fc.constant('modify' as const), pick: fc.nat(), amount: fc.integer({ min: 1, max: 99999 }).map((c) => c / 100) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('post' as const), pick: fc.nat() }),
  fc.constant({ kind: 'sync' as const }),
);

async function apply(plaidId: string, o: Exclude<Op, { kind: 'sync' }>) {
  const current = await truth(plaidId);
  if (o.kind === 'add') {
    await emulator('POST', `/items/${plaidId}/transactions`, {
      transactions: Array.from({ length: o.n }, (_, i) => ({ amount: o.amount + i, name: `Property ${i}`, pending: o.pending })),
    });
    return;
  }
  const pool = o.kind === 'post' ? current.filter((t) => t.pending) : current;
  if (pool.length === 0) return;
  const t = pool[o.pick % pool.length];
  if (o.kind === 'modify') await emulator('PATCH', `/items/${plaidId}/transactions/${t.transaction_id}`, { amount: o.amount });
  if (o.kind === 'remove') await emulator('DELETE', `/items/${plaidId}/transactions/${t.transaction_id}`);
  if (o.kind === 'post') await emulator('POST', `/items/${plaidId}/transactions/${t.transaction_id}/post`, {});
}

describe('sync property', () => {
  it('after every sync the database equals the emulator\'s truth', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 10 }), async (ops) => {
      const s = await newSession('prop');
      const item = await connectItem(s, { username: 'user_custom', password: JSON.stringify({ history_size: 40 }) });
      await waitForIdle(item.id);
      const plaidId = await plaidItemId(item.id);
      for (const o of [...ops, { kind: 'sync' as const }]) {
        if (o.kind === 'sync') {
          await syncNow(item.id);
          await expectEqualsTruth(item.id, expect);
        } else {
          await apply(plaidId, o);
        }
      }
    }), { numRuns: 6, seed: Number(process.env.PROPERTY_SEED ?? 20261124) });
  }, 120_000);
});
