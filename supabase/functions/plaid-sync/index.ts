// Runs and requests syncs.
// - The database scheduler (secret key): { item_id, product?, trigger?, wait? } runs the sync for that
//   item; it answers 202 at once and works in the background (EdgeRuntime.waitUntil), or, with
//   wait: true, answers 200 with the runs' summaries when done.
// - A user ("Sync now"): { item_id } requests a sync of their item the same way the schedule does
//   (private.request_sync → pg_net → this function with the secret key) and answers 202.
import { z } from 'zod';
import { serviceFunction, userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { startSync } from '../_shared/sync/engine.ts';
import { syncLimitsFrom } from '../_shared/sync/limits.ts';
import { products, triggers } from '../_shared/sync/types.ts';
import { requestUserSync } from '../_shared/sync/request.ts';

const env = Deno.env.toObject();
const serviceBody = z.strictObject({
  item_id: z.uuid(),
  product: z.enum(products).default('transactions'),
  trigger: z.enum(triggers).default('cron'),
  wait: z.boolean().default(false),
});
const userBody = z.strictObject({ item_id: z.uuid() });

const asService = serviceFunction('plaid-sync', env, async (req, ctx) => {
  const input = await readJson(req, serviceBody);
  // The lease is taken before answering: a recorded answer means "running" or "coalesced".
  const { claimed, done } = await startSync(ctx, input.item_id, input.product, input.trigger, syncLimitsFrom(env));
  if (input.wait) return Response.json({ runs: await done });
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime;
  const background = done.catch((e) => ctx.log.error('sync_crashed', { item: input.item_id, message: String(e) }));
  if (runtime) runtime.waitUntil(background);
  return Response.json({ accepted: true, claimed }, { status: 202 });
});

const asUser = userFunction('plaid-sync', env, async (req, ctx) => {
  const input = await readJson(req, userBody);
  return Response.json(await requestUserSync(ctx, input.item_id), { status: 202 });
});

// The secret key (apikey header) means the scheduler; anything else is a user call.
export default {
  fetch(req: Request): Promise<Response> {
    const apikey = req.headers.get('apikey');
    return apikey?.startsWith('sb_secret_') ? asService(req) : asUser(req);
  },
};
