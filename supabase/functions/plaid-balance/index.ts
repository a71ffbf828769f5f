// POST { item_id } → live balances from Plaid (/accounts/balance/get, billed per call), at most once
// per BALANCE_REFRESH_INTERVAL_SECONDS per item; otherwise 429 with Retry-After.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { refreshBalances } from '../_shared/items/balance.ts';

const body = z.strictObject({ item_id: z.uuid() });

export default {
  fetch: userFunction('plaid-balance', Deno.env.toObject(), async (req, ctx) =>
    Response.json(await refreshBalances(ctx, (await readJson(req, body)).item_id))),
};
