// POST { account_id, range } → one account's balance for every day of the range (1M, 3M, 1Y, ALL), the
// last known balance carried forward, estimated days marked; with its kind and, for cards, available
// credit and utilisation. Read under RLS.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { readAccountHistory } from '../_shared/insights/history.ts';
import { range } from '../_shared/insights/ranges.ts';

const body = z.strictObject({ account_id: z.uuid(), range: range.default('3M') });

export default {
  fetch: userFunction('balance-history', Deno.env.toObject(), async (req, ctx) => {
    const input = await readJson(req, body);
    return Response.json(await readAccountHistory(ctx, input.account_id, input.range));
  }),
};
