// The shape of every Edge Function here: @supabase/server authenticates the caller (a user here; the
// project's secret key or no one: server-function.ts, the one place that loads its main entry), its
// Postgres middleware provides an RLS-scoped connection (`db`, as the user) and an admin one (`admin`, for
// writes the product makes on the user's behalf and for Vault), and every failure, @supabase/server's
// own 401s included, becomes one error envelope (envelope.ts). Entries pass their environment in,
// so this module stays runtime-neutral.
import { pipeline } from '@supabase/middleware';
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

export const pool = { max: 3 };

/**
 * The worker's first database connection, opened while the worker starts (through the same
 * middleware, so into the same pool): a cold request finds it ready instead of waiting for TCP and
 * authentication after its JWT is verified. Every query waits for it, so a cold request still opens
 * exactly one connection (tests/platform/cold-start.test.ts).
 */
let warmUp: Promise<unknown> | null = null;
export function warmConnection(): void {
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

export function base(name: string, env: Env, admin: PostgresApi, fields: Record<string, unknown>): BaseContext {
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
      const b = base(name, env, ctx.postgresAdmin, { user: String(ctx.jwtClaims.sub) });
      const c: UserContext = { ...b, userId: String(ctx.jwtClaims.sub), db: counted(ctx.postgres, b.stats) };
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
