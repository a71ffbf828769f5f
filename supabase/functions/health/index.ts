// Liveness probe and a proof of each @supabase/server auth mode: GET /functions/v1/health[/<mode>]
// with mode one of none (default), user, publishable, secret.
import { withSupabase } from '@supabase/server';

type Mode = 'none' | 'user' | 'publishable' | 'secret';

const byMode = Object.fromEntries(
  (['none', 'user', 'publishable', 'secret'] as const).map((auth) => [
    auth,
    withSupabase({ auth }, (_req, ctx) => Promise.resolve(
      Response.json({ status: 'ok', authMode: ctx.authMode, userId: ctx.userClaims?.id ?? null }))),
  ]),
) as Record<Mode, (req: Request) => Promise<Response>>;

export default {
  fetch(req: Request): Promise<Response> | Response {
    const mode = new URL(req.url).pathname.split('/')[2] || 'none';
    const handler = byMode[mode as Mode];
    if (!handler) return Response.json({ error: `unknown mode "${mode}": use none, user, publishable or secret` }, { status: 404 });
    return handler(req);
  },
};
