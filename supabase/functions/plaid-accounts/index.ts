// POST {} → the caller's manual and synced accounts with balances, source, item status, last
// synced and action needed. Read under RLS through a user-scoped Postgres connection.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { readAccountsOverview } from '../_shared/items/accounts.ts';

const body = z.strictObject({});

export default {
  fetch: userFunction('plaid-accounts', Deno.env.toObject(), async (req, ctx) => {
    await readJson(req, body);
    return Response.json(await readAccountsOverview(ctx));
  }),
};
