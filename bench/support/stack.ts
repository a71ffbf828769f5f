// A benchmark's own stack: a fresh database, the Plaid emulator, the functions host and pg_net, on the
// NESTFOLIO_API_PORT / NESTFOLIO_DB_PORT / NESTFOLIO_PLAID_PORT ports (the dev stack's: stop it, or
// move the ports, before `npm run bench`). One benchmark stack runs at a time. The database is
// durable (fsync on), as the platform's is: a commit costs what it costs there.
import { join } from 'node:path';
import { connect } from 'node:net';
import { once } from 'node:events';
import postgres from 'postgres';
import { startStack, type Stack, type StackOptions } from '../../local/stack.ts';
import { ports, stateDir } from '../../local/paths.ts';
import { signUserJwt } from '../../local/jwt.ts';

export type EmulatorSettings = NonNullable<StackOptions['plaidEmulator']>;

export type BenchStack = {
  stack: Stack;
  /** supabase_admin: set-up, measurements, the baselines. */
  sql: postgres.Sql;
  dataDir: string;
  plaid<T = any>(path: string, body: unknown): Promise<T>;
  emulator<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  fn<T = any>(name: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: T }>;
  /** Signed-in users made in one statement: their ids and access tokens. */
  users(n: number): Promise<Array<{ id: string; token: string }>>;
  /** A Sandbox public token for an item with `history` transactions, ready at once. */
  publicToken(history: number, opts?: { webhook?: boolean }): Promise<string>;
  /** Exchanges it through the real exchange function (which requests the initial sync): the item id. */
  exchange(user: { token: string }, publicToken: string): Promise<string>;
  connect(user: { token: string }, history: number, opts?: { webhook?: boolean }): Promise<string>;
  /** Emulator log lines seen for a path since the stack started (Plaid calls made), or for a path
   *  answered with one status. */
  plaidCalls(path: string, status?: number): number;
  stop(): Promise<void>;
};

/** Plaid's per-client limits, raised for the capacity figures (as a load test with a raised quota). */
export const RAISED_CLIENT_LIMITS = { '/transactions/sync': 1_000_000, '/accounts/get': 1_000_000, '/item/get': 1_000_000 };

/** What each benchmark stack's emulator ran with (leniencies and raised limits): the report names them. */
export const emulatorSettings: Array<{ stack: string; settings: EmulatorSettings }> = [];

export async function benchStack(name: string, opts: { functionSecrets?: Record<string, string>; plaidEmulator?: EmulatorSettings } = {}): Promise<BenchStack> {
  const counts = new Map<string, number>();
  // Plaid's Sandbox behaviour except what each benchmark names (opts.plaidEmulator adds to or replaces these).
  const plaidEmulator: EmulatorSettings = {
    clientRateLimits: RAISED_CLIENT_LIMITS,
    instantTransactions: 'the benchmarks time imports and syncs of histories that are already at Plaid',
    noItemRateLimits: 'the benchmarks page 100,000-transaction items (200 calls to one Item) and re-sync one item many times a minute',
    ...opts.plaidEmulator,
  };
  emulatorSettings.push({ stack: name, settings: plaidEmulator });
  const stack = await startStack({
    stateDir: join(stateDir, `bench-${name}`), ports: { api: ports.api, db: ports.db, plaid: ports.plaid }, fresh: true,
    functionSecrets: opts.functionSecrets, plaidEmulator,
    log: (line) => {
      const m = /^\[plaid-emulator\] POST (\/[a-z_/]+) (\d{3})/.exec(line);
      if (m) for (const key of [m[1], `${m[1]} ${m[2]}`]) counts.set(key, (counts.get(key) ?? 0) + 1);
    },
  });
  // TCP_NODELAY, as node-postgres (the functions' driver) sets it: without it a COPY's small final
  // message waits for the server's delayed ACK (~40 ms a COPY), which would slow the baselines.
  const socket = async (o: { host: string[]; port: number[] }) => {
    const s = connect({ host: o.host[0], port: o.port[0], noDelay: true });
    await once(s, 'connect');
    return s;
  };
  // (`socket` is postgres.js's documented custom-socket option, missing from its type definitions.)
  const sql = postgres(stack.cluster.adminUrl, { max: 4, onnotice: () => {}, ...({ socket } as object) });
  const post = async (url: string, body: unknown, headers: Record<string, string>) => {
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await r.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, body: parsed as any };
  };
  const plaidHeaders = { 'PLAID-CLIENT-ID': stack.keys.plaidClientId, 'PLAID-SECRET': stack.keys.plaidSecret };
  const plaid = async (path: string, body: unknown) => {
    const r = await post(`${stack.plaidUrl}${path}`, body, plaidHeaders);
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const b: BenchStack = {
    stack, sql, dataDir: stack.cluster.dataDir, plaid,
    async emulator<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await fetch(`${stack.plaidUrl}/__emulator${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!r.ok) throw new Error(`emulator ${method} ${path}: ${r.status} ${await r.text()}`);
      return await r.json() as T;
    },
    fn: (name, body, headers) => post(`${stack.apiUrl}/functions/v1/${name}`, body, headers),
    async users(n) {
      const rows = await sql`insert into auth.users (id, aud, role, email)
        select gen_random_uuid(), 'authenticated', 'authenticated', 'bench-' || g || '-' || gen_random_uuid() || '@bench.local'
        from generate_series(1, ${n}) g returning id, email`;
      return await Promise.all(rows.map(async (u) => ({
        id: u.id as string, token: (await signUserJwt(stack.keys.signingJwk, `${stack.apiUrl}/auth/v1`, { sub: u.id, email: u.email })).token,
      })));
    },
    async publicToken(history, o = {}) {
      const pt = await plaid('/sandbox/public_token/create', {
        institution_id: 'ins_109508', initial_products: ['transactions'],
        options: {
          override_username: 'user_custom', override_password: JSON.stringify({ emulator: { history_size: history } }),
          ...(o.webhook ? { webhook: `${stack.apiUrl}/functions/v1/plaid-webhook` } : {}),
        },
      });
      return pt.public_token as string;
    },
    async exchange(user, publicToken) {
      const res = await b.fn('plaid-exchange-token', { public_token: publicToken }, { Authorization: `Bearer ${user.token}`, apikey: stack.keys.publishableKey });
      if (res.status !== 201) throw new Error(`exchange: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.item.id as string;
    },
    connect: async (user, history, o = {}) => await b.exchange(user, await b.publicToken(history, o)),
    plaidCalls: (path, status) => counts.get(status === undefined ? path : `${path} ${status}`) ?? 0,
    async stop() { await sql.end(); await stack.stop(); },
  };
  return b;
}

/** Resolves once nothing is requested, running or on its way for these items (one count per poll). */
export async function allIdle(sql: postgres.Sql, items: string[], pollMs = 100, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`${items.length} items still busy after ${timeoutMs} ms`);
    const [{ busy }] = await sql`select count(*)::int as busy from public.plaid_sync_state
      where item_id = any(${items}) and (requested_at is not null or (lease_id is not null and lease_expires_at > now())
        or dispatch_token is not null or rerun_requested)`;
    if (busy === 0) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
