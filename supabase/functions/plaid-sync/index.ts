// Runs and requests syncs.
// - The database's dispatcher (secret key): { item_id, product?, trigger?, dispatch?, delay_ms?, wait? }
//   runs the sync for that item; it answers 202 once it has taken the lease or coalesced the call
//   (after delay_ms: at once) and works in the background (EdgeRuntime.waitUntil), or, with
//   wait: true, answers 200 with the runs' summaries when done. Without `dispatch` (an operator's
//   direct call) the run is outside the database's max_in_flight slots.
// - A user ("Sync now"): { item_id } requests a sync of their item the same way the schedule does
//   (private.request_sync → pg_net → this function with the secret key) and answers 202.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { requestUserSync } from '../_shared/sync/request.ts';

const env = Deno.env.toObject();
const userBody = z.strictObject({ item_id: z.uuid() });

// Loaded on the first dispatcher call: a user's cold "Sync now" does without it.
let asService: Promise<(req: Request) => Promise<Response>> | null = null;
const dispatched = () => (asService ??= import('../_shared/sync/dispatched.ts').then((m) => m.dispatchedSync(env)));

const asUser = userFunction('plaid-sync', env, async (req, ctx) => {
  const input = await readJson(req, userBody);
  return Response.json(await requestUserSync(ctx, input.item_id), { status: 202 });
});

// The secret key (apikey header) means the scheduler; anything else is a user call.
export default {
  fetch(req: Request): Promise<Response> {
    const apikey = req.headers.get('apikey');
    return apikey?.startsWith('sb_secret_') ? dispatched().then((serve) => serve(req)) : asUser(req);
  },
};
