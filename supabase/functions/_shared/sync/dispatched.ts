// plaid-sync's path for the database's dispatcher and operators (the project's secret key): runs the
// sync of one item. Loaded by plaid-sync on the first such call (server-function.ts loads
// withSupabase's main entry, which a user's "Sync now" starts without).
import { z } from 'zod';
import type { Env } from '../function.ts';
import { inBackground } from '../background.ts';
import { readJson } from '../http.ts';
import { serviceFunction } from '../server-function.ts';
import { startSync } from './engine.ts';
import { syncLimitsFrom } from './limits.ts';
import { products, triggers } from './types.ts';

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

export const dispatchedSync = (env: Env) => serviceFunction('plaid-sync', env, async (req, ctx) => {
  const input = await readJson(req, serviceBody);
  const start = () => startSync(ctx, input.item_id, input.product, input.trigger, syncLimitsFrom(env), Date.now, input.dispatch ?? null);
  const crashed = (e: unknown) => ctx.log.error('sync_crashed', { item: input.item_id, message: String(e) });
  if (input.delay_ms && !input.wait) {
    // The call holds its slot meanwhile; its token makes it the item's one call on its way.
    inBackground(new Promise((r) => setTimeout(r, input.delay_ms)).then(async () => (await start()).done), crashed);
    return Response.json({ accepted: true, claimed: false, delayed_ms: input.delay_ms }, { status: 202 });
  }
  // The lease is taken before answering: a recorded answer means "running" or "coalesced".
  const { claimed, done } = await start();
  if (input.wait) return Response.json({ runs: await done });
  inBackground(done, crashed);
  return Response.json({ accepted: true, claimed }, { status: 202 });
});
