// accounts-manual: closing is idempotent. A repeated close (a double click, a retried request) keeps the
// day the account was first closed: moving it would put the account back in the totals since then.
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { callFunction } from '../support/functions.ts';
import { newSession } from '../support/stack.ts';
import { testStack } from '../support/stack.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

describe('accounts-manual close and reopen', () => {
  it('closing a closed account keeps its closing day; reopening clears it', async () => {
    const s = await newSession('close-twice');
    const created = await callFunction('accounts-manual', { action: 'create', name: 'Old savings', type: 'depository', current_balance: '300' }, { session: s });
    expect(created.status).toBe(201);
    const id = created.body.account.id as string;
    const close = () => callFunction('accounts-manual', { action: 'update', account_id: id, closed: true }, { session: s });
    const first = await close();
    expect(first.status).toBe(200);
    // Closed ten days ago (as if then): a second close must not bring it back into ten days of totals.
    await sql`update public.accounts set closed_at = now() - interval '10 days' where id = ${id}`;
    const [{ closed_at: closedAt }] = await sql`select closed_at from public.accounts where id = ${id}`;
    const again = await close();
    expect(again.status).toBe(200);
    expect(new Date(again.body.account.closed_at).getTime()).toBe(closedAt.getTime());
    const [{ closed_at: after }] = await sql`select closed_at from public.accounts where id = ${id}`;
    expect(after.getTime()).toBe(closedAt.getTime());

    const reopened = await callFunction('accounts-manual', { action: 'update', account_id: id, closed: false }, { session: s });
    expect(reopened.body.account.closed_at).toBeNull();
    const closedAgain = await close();
    expect(new Date(closedAgain.body.account.closed_at).getTime()).toBeGreaterThan(closedAt.getTime());
  });
});
