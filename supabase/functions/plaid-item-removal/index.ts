// POST { removal_id } (the database, with the secret key) → works one entry of the Plaid removal queue:
// /item/remove with the token kept in Vault, retried by the database's sweep until Plaid is done.
import { z } from 'zod';
import { serviceFunction } from '../_shared/server-function.ts';
import { readJson } from '../_shared/http.ts';
import { processRemoval } from '../_shared/items/removals.ts';

const body = z.strictObject({ removal_id: z.uuid() });

export default {
  fetch: serviceFunction('plaid-item-removal', Deno.env.toObject(), async (req, ctx) =>
    Response.json({ outcome: await processRemoval(ctx, (await readJson(req, body)).removal_id) })),
};
