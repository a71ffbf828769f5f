// POST { query?, account_ids?, from?, to?, categories?, status?, direction?, min_amount?, max_amount?, limit?, after? }
// → { pending, transactions, next, categories }: the caller's transactions matching every filter given,
// newest first, paged by the (date, id) keyset in `next`; pending and posted apart (docs/api.md).
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { storableDate } from '../_shared/storable.ts';
import { serverTiming } from '../_shared/insights/timing.ts';
import { checkFilters, filterFields } from '../_shared/insights/explorer.ts';
import { searchTransactions } from '../_shared/insights/search.ts';

const body = checkFilters(z.strictObject({
  ...filterFields,
  limit: z.number().int().min(1).max(200).default(50),
  after: z.strictObject({ date: storableDate, id: z.uuid() }).optional(),
}));

export default {
  fetch: userFunction('transactions-search', Deno.env.toObject(), async (req, ctx) => {
    const started = performance.now();
    const page = await searchTransactions(ctx, await readJson(req, body));
    return Response.json(page, { headers: serverTiming('search', started) });
  }),
};
