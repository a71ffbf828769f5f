// Runs and requests syncs.
// - The database's dispatcher (secret key): { item_id, product?, trigger?, dispatch?, delay_ms?, wait? }
//   runs the sync for that item; it answers 202 once it has taken the lease or coalesced the call
//   (after delay_ms: at once) and works in the background (EdgeRuntime.waitUntil), or, with
//   wait: true, answers 200 with the runs' summaries when done. Without `dispatch` (an operator's
//   direct call) the run is outside the database's max_in_flight slots.
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
  // The database's dispatch token (private.send_sync): a call that is no longer the item's does nothing.
  dispatch: z.uuid().optional(),
  // The run may start only this much later (min_run_interval): answered at once, run in the background.
  delay_ms: z.number().int().min(0).max(60_000).optional(),
});
const userBody = z.strictObject({ item_id: z.uuid() });

const asService = serviceFunction('plaid-sync', env, async (req, ctx) => {
  const input = await readJson(req, serviceBody);
  const start = () => startSync(ctx, input.item_id, input.product, input.trigger, syncLimitsFrom(env), Date.now, input.dispatch ?? null);
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime;
  const inBackground = (work: Promise<unknown>) => {
    const background = work.catch((e) => ctx.log.error('sync_crashed', { item: input.item_id, message: String(e) }));
    if (runtime) runtime.waitUntil(background);
  };
  if (input.delay_ms && !input.wait) {
    // The call holds its slot meanwhile; its token makes it the item's one call on its way.
    inBackground(new Promise((r) => setTimeout(r, input.delay_ms)).then(async () => (await start()).done));
    return Response.json({ accepted: true, claimed: false, delayed_ms: input.delay_ms }, { status: 202 });
  }
  // The lease is taken before answering: a recorded answer means "running" or "coalesced".
  const { claimed, done } = await start();
  if (input.wait) return Response.json({ runs: await done });
  inBackground(done);
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
