// The shape of every Edge Function here: @supabase/server authenticates the caller, its Postgres
// middleware provides an RLS-scoped connection (`db`, as the user) and an admin one (`admin`, for
// writes the product makes on the user's behalf and for Vault), and every failure, @supabase/server's
// own 401s included, becomes one error envelope (envelope.ts). Entries pass their environment in,
// so this module stays runtime-neutral.
import { pipeline } from '@supabase/middleware';
import { withSupabase } from '@supabase/server';
import { withPostgresClient } from '@supabase/server/middleware/postgres';
import { withPostgresAdminClient } from '@supabase/server/middleware/postgres-admin';
import type { PostgresApi } from '@supabase/server/middleware/postgres';
import { invalidJwt, withUserAuth } from './auth.ts';
import { withErrorEnvelope } from './envelope.ts';
import { createLogger, type Logger } from './log.ts';
import { toErrorResponse } from './http.ts';
import { PlaidClient } from './plaid/client.ts';
import { plaidConfigFrom } from './plaid/config.ts';

export type Env = Record<string, string | undefined>;

export type BaseContext = {
  env: Env;
  log: Logger;
  /** Database round trips made by this request (reported by the sync's log line and benchmarks). */
  stats: { dbRoundTrips: number; peakHeapBytes: number };
  /** Bypasses RLS: scope every query yourself. */
  admin: PostgresApi;
  plaid: () => PlaidClient;
};
export type UserContext = BaseContext & { userId: string; /** RLS-scoped to the caller. */ db: PostgresApi };
export type ServiceContext = BaseContext;

const pool = { max: 3 };

/**
 * The worker's first database connection, opened while the worker starts (through the same
 * middleware, so into the same pool): a cold request finds it ready instead of waiting for TCP and
 * authentication after its JWT is verified. Every query waits for it, so a cold request still opens
 * exactly one connection (tests/platform/cold-start.test.ts).
 */
let warmUp: Promise<unknown> | null = null;
function warmConnection(): void {
  warmUp ??= pipeline([withPostgresAdminClient({ pool })], async (_req, ctx) => {
    await ctx.postgresAdmin.query`select 1`;
    return new Response(null, { status: 204 });
  })(new Request('http://localhost/connect')).catch(() => {}); // a failure shows in the first real query
}

/** Counts round trips: every query through these clients is one. */
function counted(api: PostgresApi, stats: BaseContext['stats']): PostgresApi {
  return {
    query: async (strings, ...values) => { await warmUp; stats.dbRoundTrips++; return await api.query(strings, ...values); },
    queryRaw: async (text, params) => { await warmUp; stats.dbRoundTrips++; return await api.queryRaw(text, params); },
  } as PostgresApi;
}

function base(name: string, env: Env, admin: PostgresApi, fields: Record<string, unknown>): BaseContext {
  const log = createLogger({ fn: name, ...fields });
  const stats = { dbRoundTrips: 0, peakHeapBytes: 0 };
  let client: PlaidClient | null = null;
  return { env, log, stats, admin: counted(admin, stats), plaid: () => (client ??= new PlaidClient(plaidConfigFrom(env), log)) };
}

/** A function for signed-in users: a complete user JWT (auth.ts) of a user who still exists. */
export function userFunction(name: string, env: Env, handler: (req: Request, ctx: UserContext) => Promise<Response>) {
  warmConnection();
  return pipeline(
    [withErrorEnvelope({ fn: name }), ...withUserAuth(env), withPostgresClient({ pool }), withPostgresAdminClient({ pool })],
    async (req, ctx) => {
      const b = base(name, env, ctx.postgresAdmin, { user: ctx.userClaims!.id });
      const c: UserContext = { ...b, userId: ctx.userClaims!.id, db: counted(ctx.postgres, b.stats) };
      try {
        // A token outlives its user (deleting a user revokes nothing already issued): nothing is done,
        // written or asked of Plaid for a user who is gone.
        const [{ exists }] = await c.admin.query<{ exists: boolean }>`select exists (select 1 from auth.users where id = ${c.userId}::uuid)`;
        if (!exists) return invalidJwt('its user no longer exists', 'The account was deleted: sign in (or sign up) again.');
        return await handler(req, c);
      } catch (e) {
        return toErrorResponse(e, c.log);
      }
    },
  );
}

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
