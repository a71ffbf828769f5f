// Liveness probe and a proof of each @supabase/server auth mode: GET /functions/v1/health[/<mode>]
// with mode one of none (default), user, publishable, secret. Errors in the one envelope, as everywhere.
import { pipeline } from '@supabase/middleware';
import { withSupabase } from '@supabase/server';
import { withUserAuth } from '../_shared/auth.ts';
import { withErrorEnvelope } from '../_shared/envelope.ts';
import { errorResponse } from '../_shared/http.ts';

const modes = ['none', 'user', 'publishable', 'secret'] as const;
type Mode = (typeof modes)[number];

const ok = (ctx: { authMode: string; userClaims: { id: string } | null }) =>
  Promise.resolve(Response.json({ status: 'ok', authMode: ctx.authMode, userId: ctx.userClaims?.id ?? null }));

const byMode = Object.fromEntries(
  modes.map((auth) => [
    auth,
    auth === 'user'
      // The user functions' own check: a complete user token (auth.ts).
      ? pipeline([withErrorEnvelope({ fn: 'health' }), ...withUserAuth(Deno.env.toObject())],
        (_req, ctx) => ok({ authMode: 'user', userClaims: { id: String(ctx.jwtClaims.sub) } }))
      : pipeline([withErrorEnvelope({ fn: 'health' }), withSupabase({ auth })], (_req, ctx) => ok(ctx)),
  ]),
) as Record<Mode, (req: Request) => Promise<Response>>;

export default {
  fetch(req: Request): Promise<Response> | Response {
    const mode = new URL(req.url).pathname.split('/')[2] || 'none';
    const handler = (modes as readonly string[]).includes(mode) ? byMode[mode as Mode] : undefined;
    if (!handler) return errorResponse(404, 'NOT_FOUND', `unknown mode "${mode}": use none, user, publishable or secret`);
    return handler(req);
  },
};
