// POST { item_id, account_selection? } after Link update mode's onSuccess (reconnect, or sharing new
// accounts). Plaid confirms the item is healthy; then its status is cleared and a sync is requested.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { markRepaired } from '../_shared/items/repair.ts';

const body = z.strictObject({ item_id: z.uuid(), account_selection: z.boolean().default(false) });

export default {
  fetch: userFunction('plaid-item-repaired', Deno.env.toObject(), async (req, ctx) => {
    const input = await readJson(req, body);
    return Response.json(await markRepaired(ctx, input.item_id, input.account_selection));
  }),
};
