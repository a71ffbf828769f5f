// POST { account_id, limit?, after? } → an investment account's holdings (price, value, cost basis,
// gain), totals per currency and its investment transactions, newest first, paged by `next`.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { storableDate } from '../_shared/storable.ts';
import { readInvestments } from '../_shared/insights/investments.ts';

const body = z.strictObject({
  account_id: z.uuid(),
  limit: z.number().int().min(1).max(100).default(25),
  after: z.strictObject({ date: storableDate, id: z.uuid() }).optional(),
});

export default {
  fetch: userFunction('investments', Deno.env.toObject(), async (req, ctx) => {
    const input = await readJson(req, body);
    return Response.json(await readInvestments(ctx, input.account_id, input.limit, input.after));
  }),
};
