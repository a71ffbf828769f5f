// POST { item_id } (the database, with the secret key, after an ITEM webhook) → confirms the item's
// status with Plaid's /item/get (coalesced and rate-limited per item in SQL) and applies it.
import { z } from 'zod';
import { serviceFunction } from '../_shared/server-function.ts';
import { readJson } from '../_shared/http.ts';
import { runStatusCheck } from '../_shared/items/status.ts';

const body = z.strictObject({ item_id: z.uuid() });

export default {
  fetch: serviceFunction('plaid-item-status', Deno.env.toObject(), async (req, ctx) =>
    Response.json(await runStatusCheck(ctx, (await readJson(req, body)).item_id))),
};
