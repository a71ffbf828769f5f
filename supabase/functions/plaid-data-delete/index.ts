// POST { confirm: "delete all my bank data" } → deletes every connection of the caller (each removed at
// Plaid through the durable removal queue: tried now, retried until Plaid is done) and every account,
// manual ones included, with their transactions, holdings and liabilities. The sign-in stays.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { processRemovals } from '../_shared/items/removals.ts';

const body = z.strictObject({ confirm: z.literal('delete all my bank data', { error: 'confirm must be "delete all my bank data"' }) });

type Deleted = { connections: number; accounts: number; transactions: number; removals: string[] };

export default {
  fetch: userFunction('plaid-data-delete', Deno.env.toObject(), async (req, ctx) => {
    await readJson(req, body);
    const [{ deleted }] = await ctx.admin.query<{ deleted: Deleted }>`select private.delete_user_bank_data(${ctx.userId}::uuid) as deleted`;
    const plaid = await processRemovals(ctx, deleted.removals);
    ctx.log.info('bank_data_deleted', { connections: deleted.connections, accounts: deleted.accounts, removed_at_plaid: plaid.removed, removal_pending: plaid.pending });
    return Response.json({
      deleted: { connections: deleted.connections, accounts: deleted.accounts, transactions: deleted.transactions },
      removed_at_plaid: plaid.removed, removal_pending: plaid.pending,
    });
  }),
};
