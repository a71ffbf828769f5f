// POST { synced_account_id, manual_account_id } → links a synced account to one of the caller's
// manual accounts, keeping the manual account's history (transactions move onto it). Runs the
// public.link_plaid_account_to_manual RPC as the caller, so the database checks ownership.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { refusedAs } from '../_shared/sql-states.ts';

const body = z.strictObject({ synced_account_id: z.uuid(), manual_account_id: z.uuid() });

export default {
  fetch: userFunction('accounts-link', Deno.env.toObject(), async (req, ctx) => {
    const input = await readJson(req, body);
    // The RPC refuses ids that are not the caller's (or of the wrong kind): nothing changed.
    const [row] = await ctx.db.query<{ account_id: string }>`
      select public.link_plaid_account_to_manual(${input.synced_account_id}::uuid, ${input.manual_account_id}::uuid) as account_id`
      .catch(refusedAs({
        '22023': 'link two different accounts: a synced one and a manual one',
        P0002: 'no such synced and manual account pair for this user',
      }));
    return Response.json({ account_id: row.account_id });
  }),
};
