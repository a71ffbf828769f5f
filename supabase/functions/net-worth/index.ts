// POST { range? } → the caller's net worth: totals per currency, per kind (cash, credit, loan,
// investment, other) and per institution, every account's place in them, and with a range (1M, 3M, 1Y,
// ALL) the daily history per currency. Read under RLS from the SQL read model.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { serverTiming } from '../_shared/insights/timing.ts';
import { readNetWorth } from '../_shared/insights/net-worth.ts';
import { range } from '../_shared/insights/ranges.ts';

const body = z.strictObject({ range: range.optional() });

export default {
  fetch: userFunction('net-worth', Deno.env.toObject(), async (req, ctx) => {
    const started = performance.now();
    const netWorth = await readNetWorth(ctx, (await readJson(req, body)).range);
    return Response.json(netWorth, { headers: serverTiming('net-worth', started) });
  }),
};
