// POST { account_id?, limit?, after? } → the caller's transactions (one account's, or all), newest
// first, pending ones marked; `next` is the keyset for the following page (null on the last page).
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { listTransactions } from '../_shared/accounts/transactions.ts';
import { storableDate } from '../_shared/storable.ts';

const body = z.strictObject({
  account_id: z.uuid().optional(),
  limit: z.number().int().min(1).max(100).default(25),
  after: z.strictObject({ date: storableDate, id: z.uuid() }).optional(),
});

export default {
  fetch: userFunction('transactions', Deno.env.toObject(), async (req, ctx) =>
    Response.json(await listTransactions(ctx, await readJson(req, body)))),
};
