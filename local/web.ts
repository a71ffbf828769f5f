// Stands in for: the static host of the web client, plus — local stack only — the sign-in that
// Supabase Auth provides when hosted. `npm run dev` serves web/ through Vite's dev server (edits
// reload in the browser); the test stack serves the production bundle built from web/ (what a
// static host would serve). Both pass the local API URL, publishable key and the emulator's Link
// script to the client as VITE_* variables, and answer POST /__local/session by minting the local
// user's session with local/session.ts (the token `npm run session` prints). Listens on loopback only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { LocalSession } from './session.ts';
import { repoRoot } from './paths.ts';

export const webRoot = join(repoRoot, 'web');
export const LOCAL_SESSION_PATH = '/__local/session';

export type WebClientEnv = {
  supabaseUrl: string;
  publishableKey: string;
  linkScriptUrl: string;
  /** Idle refresh interval of the accounts page (the tests use a short one). */
  refreshSeconds?: number;
};

/** Writes the client's VITE_* configuration as a .env file in its own folder (Vite's envDir). */
export function writeWebEnv(dir: string, env: WebClientEnv): string {
  mkdirSync(dir, { recursive: true });
  const lines = [
    `VITE_SUPABASE_URL=${env.supabaseUrl}`,
    `VITE_SUPABASE_PUBLISHABLE_KEY=${env.publishableKey}`,
    `VITE_PLAID_LINK_SCRIPT_URL=${env.linkScriptUrl}`,
    `VITE_LOCAL_SESSION_URL=${LOCAL_SESSION_PATH}`,
    ...(env.refreshSeconds ? [`VITE_REFRESH_INTERVAL_SECONDS=${env.refreshSeconds}`] : []),
  ];
  writeFileSync(join(dir, '.env'), `${lines.join('\n')}\n`);
  return dir;
}

/** Builds web/ into outDir with the VITE_* variables found in envDir. */
export async function buildWebClient(outDir: string, envDir: string, cacheDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(webRoot, 'vite.config.ts'), envDir, cacheDir, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export type LocalWebOptions = {
  /** 0 picks a free port. */
  port: number;
  /** dev: Vite dev server over web/; static: serve the bundle in distDir. */
  mode: 'dev' | 'static';
  envDir: string;
  distDir: string;
  cacheDir: string;
  /** The stack's state folder (keys.json, the Vault root key, the database): never served (dev mode). */
  stateDir?: string;
  mintSession(email: string): Promise<LocalSession>;
  defaultEmail: string;
  log(line: string): void;
};

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.json': 'application/json', '.ico': 'image/x-icon', '.png': 'image/png', '.woff2': 'font/woff2',
};

function serveStatic(distDir: string, req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const root = resolve(distDir);
  let file = resolve(join(root, normalize(path)));
  if (!file.startsWith(root + sep) && file !== root) { res.writeHead(404).end(); return; }
  // The app routes with hashes; any other unknown path gets the app too.
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' });
  res.end(readFileSync(file));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) { body += chunk; if (body.length > 4096) throw new Error('body too large'); }
  return body;
}

/** POST { email? } → the local user's session. Same-origin only: another site cannot mint one. */
async function localSessionEndpoint(o: LocalWebOptions, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
  if (req.method !== 'POST') return void reply(405, { error: 'use POST' });
  const port = new URL(origin).port;
  const sameOrigin = !req.headers.origin || ['127.0.0.1', 'localhost', '[::1]'].some((host) => req.headers.origin === `http://${host}:${port}`);
  if (!sameOrigin) return void reply(403, { error: 'same-origin requests only' });
  try {
    const raw = await readBody(req);
    const email = (raw ? JSON.parse(raw).email : undefined) ?? o.defaultEmail;
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) return void reply(400, { error: 'email must be an email address' });
    const s = await o.mintSession(email);
    reply(200, { email: s.email, user_id: s.user_id, access_token: s.access_token, expires_at: s.expires_at });
  } catch (e) {
    reply(400, { error: (e as Error).message });
  }
}

/** Vite's defaults, which a `deny` of our own would replace. */
const viteDefaultDeny = ['.env', '.env.*', '*.{crt,pem,key,p12,pfx,cer,der}', '.npmrc', '.yarnrc.yml', '**/.git/**'];

/**
 * What the dev server may read under /@fs/: the client, its dependencies and Vite's own cache, and
 * nothing else (Vite's default is the whole repository, which holds the state folder with keys.json:
 * the secret key, the JWT signing key, the Plaid secret; and the Vault root key). The state folder is
 * also denied by name, whatever else is allowed (a deny wins over an allow).
 */
function servedFiles(o: LocalWebOptions) {
  const state = o.stateDir ? resolve(o.stateDir).replaceAll(sep, '/') : null;
  return {
    strict: true,
    allow: [webRoot, join(repoRoot, 'node_modules'), o.cacheDir],
    deny: [...viteDefaultDeny, 'keys.json', ...(state ? [`${state}/keys.json`, `${state}/db/**`, `${state}/*.log`, `${state}/web-env/**`] : [])],
  };
}

export async function startLocalWeb(o: LocalWebOptions): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer();
  let origin = `http://127.0.0.1:${o.port}`;
  let fallback: (req: IncomingMessage, res: ServerResponse) => void = (req, res) => serveStatic(o.distDir, req, res);
  let closeVite = async () => {};
  if (o.mode === 'dev') {
    const { createServer: createVite } = await import('vite');
    const vite = await createVite({
      configFile: join(webRoot, 'vite.config.ts'), envDir: o.envDir, cacheDir: o.cacheDir, appType: 'spa', logLevel: 'warn',
      server: { middlewareMode: true, ws: { server }, fs: servedFiles(o) },
    });
    fallback = (req, res) => vite.middlewares(req, res);
    closeVite = () => vite.close();
  }
  server.on('request', (req, res) => {
    if ((req.url ?? '').split('?')[0] === LOCAL_SESSION_PATH) void localSessionEndpoint(o, origin, req, res);
    else fallback(req, res);
  });
  await new Promise<void>((ok, fail) => { server.once('error', fail); server.listen(o.port, '127.0.0.1', () => ok()); });
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`; // port 0 = any free port
  o.log(`[web] ${origin} (${o.mode === 'dev' ? 'Vite dev server' : `bundle in ${o.distDir}`})`);
  return {
    url: origin,
    async close() {
      await closeVite();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
