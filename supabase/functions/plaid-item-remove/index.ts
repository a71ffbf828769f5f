// POST { item_id, keep_history } → removes the connection at Plaid and here; keeps the accounts and
// their transactions as manual accounts, or deletes them. Safe to retry after a partial failure.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { removeItem } from '../_shared/items/remove.ts';

const body = z.strictObject({ item_id: z.uuid(), keep_history: z.boolean() });

export default {
  fetch: userFunction('plaid-item-remove', Deno.env.toObject(), async (req, ctx) => {
    const input = await readJson(req, body);
    return Response.json(await removeItem(ctx, input.item_id, input.keep_history));
  }),
};
