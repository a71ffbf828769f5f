// Brings up the local stand-in for hosted Supabase: Postgres (with the platform bootstrap), migrations
// through the real Supabase CLI, the pg_net worker, the Edge Functions host, the Plaid emulator and
// (when asked) the web client with the local user's sign-in (local/web.ts).
// Used by `npm run dev` (long-lived, reuses state) and by the test command (fresh, isolated ports).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Cluster, ensureDebianPackages } from './postgres.ts';
import { ensureKeys, vaultKeyPath, type LocalKeys } from './keys.ts';
import { startPgNetWorker, type PgNetWorker } from './pg-net-worker.ts';
import { binDir, localUserEmail, repoRoot } from './paths.ts';
import { mintSession } from './session.ts';
import type { EmulatorOptions } from './plaid-emulator/server.ts';

export type StackOptions = {
  stateDir: string;
  ports: { api: number; db: number; plaid: number; web?: number };
  /** Wipe the database first (tests); the dev stack keeps its data. */
  fresh?: boolean;
  fast?: boolean;
  /** Start the Plaid emulator unless PLAID_CLIENT_ID/PLAID_SECRET point at real Plaid. */
  plaid?: 'emulator' | 'real' | 'off';
  /**
   * The emulator behaves as Plaid's Sandbox by default (local/plaid-emulator/README.md § Realism); tests
   * compress its timings here, benchmarks raise its per-client rate limits (clientRateLimits).
   */
  plaidEmulator?: Partial<Omit<EmulatorOptions, 'port' | 'clientId' | 'secret' | 'seed' | 'log'>>;
  /** Extra function secrets (what `supabase secrets set` would add), after supabase/functions/.env. */
  functionSecrets?: Record<string, string>;
  /** Serve the web client on ports.web: the Vite dev server (dev) or the built bundle (static). */
  web?: { mode: 'dev' | 'static'; refreshSeconds?: number };
  log?: (line: string) => void;
};

export type Stack = {
  keys: LocalKeys;
  cluster: Cluster;
  apiUrl: string;
  dbUrl: string;
  plaidUrl: string | null;
  webUrl: string | null;
  /** Secrets the stack handed out (Plaid access tokens issued by the emulator, keys): for leak scans. */
  issuedSecrets(): string[];
  /** OS pid of the functions host (benchmarks read its CPU time and peak memory). */
  functionsPid: number;
  env: Record<string, string>;
  stop(): Promise<void>;
};

export function run(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...opts.env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export function applyBootstrap(cluster: Cluster, stateDir: string): void {
  const dir = join(repoRoot, 'local', 'bootstrap');
  const keyPath = vaultKeyPath(stateDir);
  cluster.shareFile(keyPath);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    cluster.psql('', { file: join(dir, file), vars: { vault_key_path: keyPath } });
  }
}

/** Applies supabase/migrations with the real CLI, which also writes the [db.vault] secrets. */
export function pushMigrations(dbUrl: string, vault: { projectUrl: string; secretKey: string }): void {
  run(join(binDir, 'supabase'), ['db', 'push', `--remote=${dbUrl}`, '--include-all', '--yes'], {
    env: { NESTFOLIO_PROJECT_URL: vault.projectUrl, NESTFOLIO_SECRET_KEY: vault.secretKey, SUPABASE_YES: '1' },
  });
}

/** The CLI only writes [db.vault] when it has migrations to apply; keep them current on every start. */
export function ensureVaultSecrets(cluster: Cluster, secrets: Record<string, string>): void {
  for (const [name, value] of Object.entries(secrets)) {
    cluster.psql(`select case when exists (select 1 from vault.secrets where name = :'name')
        then (select vault.update_secret(id, :'value') from vault.secrets where name = :'name')::text
        else vault.create_secret(:'value', :'name')::text end`.replace(/\n\s+/g, ' '), { vars: { name, value } });
  }
}

/** Reads supabase/functions/.env (the secrets `supabase secrets set` would hold on the platform). */
export function readFunctionSecrets(): Record<string, string> {
  const file = join(repoRoot, 'supabase', 'functions', '.env');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/);
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function startChild(name: string, cmd: string, args: string[], env: Record<string, string>, logFile: string, log: (s: string) => void, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const file = createWriteStream(logFile, { flags: 'a' });
  return new Promise((resolve, reject) => {
    let seen = false;
    const onData = (buf: Buffer) => {
      file.write(buf);
      for (const line of buf.toString().split('\n')) {
        if (!line) continue;
        log(`[${name}] ${line}`);
        if (!seen && ready.test(line)) { seen = true; resolve(child); }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => { if (!seen) reject(new Error(`${name} exited (${code}) before it was ready; see ${logFile}`)); });
  });
}

export type FunctionsHostOptions = {
  port: number; functionsDir: string; configToml: string; keysFile: string;
  env: Record<string, string>; logFile: string; log: (line: string) => void;
};

/** Starts the Deno functions host (local/functions-host) and resolves once it listens. */
export function startFunctionsHost(o: FunctionsHostOptions): Promise<ChildProcess> {
  return startChild('functions', join(binDir, 'deno'),
    ['run', '-A', '--config', join(repoRoot, 'deno.json'), join(repoRoot, 'local', 'functions-host', 'main.ts')],
    {
      ...o.env,
      FUNCTIONS_HOST_PORT: String(o.port),
      FUNCTIONS_DIR: o.functionsDir,
      SUPABASE_CONFIG_TOML: o.configToml,
      NESTFOLIO_KEYS_FILE: o.keysFile,
    },
    o.logFile, o.log, /^\[functions-host\] listening on http/);
}

/** Fails at once, naming the port, when something else listens there (a stack left running, say). */
function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', () => reject(new Error(`port ${port} (${what}) is in use: stop whatever holds it ` +
      '(another `npm run dev` or test run?) or move the ports (README § Configuration)')));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? ((s: string) => console.log(s));
  ensureDebianPackages();
  mkdirSync(opts.stateDir, { recursive: true });
  const keys = await ensureKeys(opts.stateDir);
  const cluster = new Cluster({ dataDir: join(opts.stateDir, 'db'), port: opts.ports.db, fast: opts.fast });
  if (opts.fresh) cluster.destroy();
  // Our own cluster may already run (npm run dev reuses it); every other port must be free.
  const busy: Array<[number, string]> = [[opts.ports.api, 'functions'], [opts.ports.plaid, 'Plaid emulator']];
  if (opts.web && opts.ports.web) busy.push([opts.ports.web, 'web']);
  if (!cluster.isRunning()) busy.push([opts.ports.db, 'Postgres']);
  for (const [port, what] of busy) await assertPortFree(port, what);
  cluster.start();
  applyBootstrap(cluster, opts.stateDir);
  const apiUrl = `http://127.0.0.1:${opts.ports.api}`;
  pushMigrations(cluster.url, { projectUrl: apiUrl, secretKey: keys.secretKey });
  ensureVaultSecrets(cluster, { project_url: apiUrl, secret_key: keys.secretKey });
  log(`[db] ${cluster.url} ready, migrations applied`);

  const children: ChildProcess[] = [];
  const stoppers: Array<() => Promise<void>> = [];

  const realPlaid = opts.plaid === 'real';
  let plaidUrl: string | null = null;
  const plaidEnv: Record<string, string> = {};
  let issuedAccessTokens: () => string[] = () => [];
  if (!realPlaid && opts.plaid !== 'off') {
    {
      const { startEmulator } = await import(join(repoRoot, 'local', 'plaid-emulator', 'server.ts'));
      // The emulator keeps its items in memory while the dev database keeps its rows: a seed per start
      // keeps Plaid's ids unique across restarts (tests start fresh and stay deterministic).
      const seed = opts.fresh ? undefined : Date.now() % 1_000_000_007;
      const emulator = await startEmulator({ ...opts.plaidEmulator, port: opts.ports.plaid, clientId: keys.plaidClientId, secret: keys.plaidSecret, seed, log: (s: string) => log(`[plaid-emulator] ${s}`) });
      plaidUrl = emulator.url as string;
      issuedAccessTokens = () => (emulator.state.items as Array<{ access_token: string }>).map((i) => i.access_token);
      stoppers.push(() => emulator.close());
      Object.assign(plaidEnv, { PLAID_ENV: 'sandbox', PLAID_BASE_URL: plaidUrl, PLAID_CLIENT_ID: keys.plaidClientId, PLAID_SECRET: keys.plaidSecret });
    }
  }

  const functionEnv: Record<string, string> = {
    ...readFunctionSecrets(),
    ...opts.functionSecrets,
    ...plaidEnv,
    SUPABASE_URL: apiUrl,
    SUPABASE_DB_URL: cluster.url,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: keys.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: keys.secretKey }),
    SUPABASE_JWKS: JSON.stringify(keys.jwks),
  };
  // OAuth banks send the browser back to PLAID_REDIRECT_URI: with the emulator, the local web app's page
  // (http is allowed for 127.0.0.1, as Plaid allows it for localhost). Real Plaid needs the URI on the
  // Dashboard's allow-list, so there it is only what supabase/functions/.env says.
  if (plaidUrl && opts.web && opts.ports.web && !functionEnv.PLAID_REDIRECT_URI) {
    functionEnv.PLAID_REDIRECT_URI = `http://127.0.0.1:${opts.ports.web}/`;
  }
  const host = await startFunctionsHost({
    port: opts.ports.api, functionsDir: join(repoRoot, 'supabase', 'functions'),
    configToml: join(repoRoot, 'supabase', 'config.toml'), keysFile: join(opts.stateDir, 'keys.json'),
    env: functionEnv, logFile: join(opts.stateDir, 'functions.log'), log,
  });
  children.push(host);

  const pgNet: PgNetWorker = await startPgNetWorker({ dbUrl: cluster.adminUrl, log });
  stoppers.push(() => pgNet.stop());

  let webUrl: string | null = null;
  if (opts.web && opts.ports.web) {
    const { buildWebClient, startLocalWeb, writeWebEnv } = await import('./web.ts');
    const envDir = writeWebEnv(join(opts.stateDir, 'web-env'), {
      supabaseUrl: apiUrl, publishableKey: keys.publishableKey, refreshSeconds: opts.web.refreshSeconds,
      linkScriptUrl: plaidUrl ? `${plaidUrl}/link/v2/stable/link-initialize.js` : 'https://cdn.plaid.com/link/v2/stable/link-initialize.js',
    });
    const distDir = join(opts.stateDir, 'web-dist');
    const cacheDir = join(opts.stateDir, 'vite-cache');
    if (opts.web.mode === 'static') await buildWebClient(distDir, envDir, cacheDir);
    const web = await startLocalWeb({
      port: opts.ports.web, mode: opts.web.mode, envDir, distDir, cacheDir, log,
      defaultEmail: localUserEmail,
      mintSession: (email) => mintSession(cluster, keys, apiUrl, email),
    });
    webUrl = web.url;
    stoppers.push(() => web.close());
  }

  return {
    keys, cluster, apiUrl, dbUrl: cluster.url, plaidUrl, webUrl, functionsPid: host.pid!,
    issuedSecrets: () => [...issuedAccessTokens(), keys.secretKey, keys.plaidSecret, keys.signingJwk.d!],
    env: functionEnv,
    async stop() {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))));
      for (const s of stoppers.reverse()) await s().catch(() => {});
      cluster.stop();
    },
  };
}
