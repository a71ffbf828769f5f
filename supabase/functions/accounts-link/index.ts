// POST { synced_account_id, manual_account_id } → { account_id }: links a synced account to one of the
// caller's open manual accounts of the same kind and currency, keeping the manual account's history
// (transactions move onto it). POST { action: "unlink", account_id } → { account_id: the synced
// account }: undoes a link, both accounts and balance histories as they were. Runs the RPCs as the
// caller, so the database checks ownership and compatibility.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { refusedAs } from '../_shared/sql-states.ts';

// A body without an action is a link (the original shape); naming the action lets errors name the fields.
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const body = z.preprocess((v) => (isObject(v) && !Object.hasOwn(v, 'action') ? { ...v, action: 'link' } : v), z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('link'), synced_account_id: z.uuid(), manual_account_id: z.uuid() }),
  z.strictObject({ action: z.literal('unlink'), account_id: z.uuid() }),
]));

export default {
  fetch: userFunction('accounts-link', Deno.env.toObject(), async (req, ctx) => {
    const input = await readJson(req, body);
    if (input.action === 'unlink') {
      const [row] = await ctx.db.query<{ account_id: string }>`
        select public.unlink_account(${input.account_id}::uuid) as account_id`
        .catch(refusedAs({ P0002: 'this account has no link that can be undone (it was never linked, or its connection was removed since)' }));
      return Response.json({ account_id: row.account_id });
    }
    // The RPC refuses ids that are not the caller's, accounts of another kind or currency, a closed
    // account: nothing changed. Its messages name what does not match.
    const [row] = await ctx.db.query<{ account_id: string }>`
      select public.link_plaid_account_to_manual(${input.synced_account_id}::uuid, ${input.manual_account_id}::uuid) as account_id`
      .catch(refusedAs({
        '22023': (message) => message === 'two different accounts are needed' ? 'link two different accounts: a synced one and a manual one' : message,
        P0002: 'no such synced and manual account pair for this user',
      }));
    return Response.json({ account_id: row.account_id });
  }),
};
