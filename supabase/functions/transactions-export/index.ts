// POST { the filters of transactions-search } → text/csv of every matching transaction, streamed in
// batches (constant memory whatever the size). Amounts as on a statement: money in positive.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { checkFilters, filterFields } from '../_shared/insights/explorer.ts';
import { exportTransactions } from '../_shared/insights/export.ts';

const body = checkFilters(z.strictObject(filterFields));

export default {
  fetch: userFunction('transactions-export', Deno.env.toObject(), async (req, ctx) =>
    await exportTransactions(ctx, await readJson(req, body))),
};
