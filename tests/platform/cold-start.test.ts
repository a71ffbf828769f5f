// A cold request (the first one a fresh worker serves) opens at most one database connection: the
// function frame's RLS-scoped and admin clients share one pool, and no function runs queries in
// parallel. Each case gets its own functions host (fresh workers) whose database URL carries an
// application_name of its own, so pg_stat_activity shows exactly the connections that host opened.
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { startFunctionsHost } from '../../local/stack.ts';
import { repoRoot } from '../../local/paths.ts';
import { connectItem } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';
import { waitForIdle } from '../support/sync.ts';

const sql = postgres(testStack.adminDbUrl, { max: 1, onnotice: () => {} });
const hosts: ChildProcess[] = [];
afterAll(async () => {
  for (const h of hosts) h.kill('SIGTERM');
  await Promise.all(hosts.map((h) => (h.exitCode !== null ? null : new Promise((r) => h.once('exit', r)))));
  await sql.end();
});

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)); });
});

/** A functions host of its own, configured as the test stack's, whose connections are named `app`. */
async function freshHost(app: string): Promise<string> {
  const keys = testStack.keys;
  const port = await freePort();
  const db = new URL(testStack.dbUrl);
  db.searchParams.set('application_name', app);
  hosts.push(await startFunctionsHost({
    port, functionsDir: join(repoRoot, 'supabase', 'functions'), configToml: join(repoRoot, 'supabase', 'config.toml'),
    keysFile: join(testStack.stateDir, 'keys.json'), logFile: join(testStack.stateDir, `${app}.log`), log: () => {},
    env: {
      SUPABASE_URL: testStack.apiUrl, SUPABASE_DB_URL: db.toString(),
      SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: keys.publishableKey }),
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: keys.secretKey }), SUPABASE_JWKS: JSON.stringify(keys.jwks),
      PLAID_ENV: 'sandbox', PLAID_BASE_URL: testStack.plaidUrl, PLAID_CLIENT_ID: keys.plaidClientId, PLAID_SECRET: keys.plaidSecret,
    },
  }));
  return `http://127.0.0.1:${port}`;
}

const connectionsOf = async (app: string) =>
  (await sql`select count(*)::int as n from pg_stat_activity where application_name = ${app}`)[0].n as number;

describe('a cold request', () => {
  it('to plaid-accounts opens one database connection', async () => {
    const s = await newSession('cold-accounts');
    await connectItem(s);
    const app = `cold-accounts-${process.pid}`;
    const url = await freshHost(app);
    const res = await fetch(`${url}/functions/v1/plaid-accounts`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', apikey: testStack.keys.publishableKey, Authorization: `Bearer ${s.access_token}` },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect((await res.json()).accounts.length).toBeGreaterThan(0);
    expect(await connectionsOf(app)).toBe(1);
  });

  it('to plaid-sync opens one database connection', async () => {
    const s = await newSession('cold-sync');
    const item = await connectItem(s);
    await waitForIdle(item.id);
    const app = `cold-sync-${process.pid}`;
    const url = await freshHost(app);
    const res = await fetch(`${url}/functions/v1/plaid-sync`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', apikey: testStack.keys.secretKey },
      body: JSON.stringify({ item_id: item.id, wait: true }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).runs[0].outcome).toBe('succeeded');
    expect(await connectionsOf(app)).toBe(1);
  });
});
