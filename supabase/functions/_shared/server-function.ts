// Functions whose caller is not a user: the project's secret key (the database's scheduler and
// dispatcher, operators) or no one (Plaid's webhooks prove themselves with a signature). Only the admin
// connection. Kept apart from function.ts: withSupabase's main entry loads supabase-js, which a user
// function's cold start does without.
import { pipeline } from '@supabase/middleware';
import { withSupabase } from '@supabase/server';
import { withPostgresAdminClient } from '@supabase/server/middleware/postgres-admin';
import { base, type Env, pool, type ServiceContext, warmConnection } from './function.ts';
import { withErrorEnvelope } from './envelope.ts';
import { toErrorResponse } from './http.ts';

/** A function whose caller is not a user: the project's secret key ('secret') or a caller that proves
 *  itself in the request ('none': Plaid's webhooks carry a signature). Only the admin connection. */
function serverFunction(auth: 'secret' | 'none', name: string, env: Env, handler: (req: Request, ctx: ServiceContext) => Promise<Response>) {
  warmConnection();
  return pipeline([withErrorEnvelope({ fn: name }), withSupabase({ auth }), withPostgresAdminClient({ pool })], async (req, ctx) => {
    const c = base(name, env, ctx.postgresAdmin, {});
    try {
      return await handler(req, c);
    } catch (e) {
      return toErrorResponse(e, c.log);
    }
  });
}

/** A function for the database scheduler and other servers (the project's secret key). */
export const serviceFunction = (name: string, env: Env, handler: (req: Request, ctx: ServiceContext) => Promise<Response>) =>
  serverFunction('secret', name, env, handler);

/** A function anyone may call that authenticates the caller itself (Plaid's webhooks verify a signature). */
export const publicFunction = (name: string, env: Env, handler: (req: Request, ctx: ServiceContext) => Promise<Response>) =>
  serverFunction('none', name, env, handler);
