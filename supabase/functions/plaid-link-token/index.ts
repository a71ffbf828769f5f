// POST { item_id?, redirect_uri?, account_selection? } → a Plaid Link token for the caller.
// Without item_id: connect a new institution. With item_id: Link update mode for the caller's item.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { createLinkToken } from '../_shared/items/link-token.ts';

const body = z.strictObject({
  item_id: z.uuid().optional(),
  redirect_uri: z.url().optional(),
  account_selection: z.boolean().optional(),
});

export default {
  fetch: userFunction('plaid-link-token', Deno.env.toObject(), async (req, ctx) =>
    Response.json(await createLinkToken(ctx, await readJson(req, body)))),
};
