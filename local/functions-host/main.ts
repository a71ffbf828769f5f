// Stands in for: the hosted Edge Functions service behind https://<ref>.supabase.co/functions/v1 and
// Supabase Auth's JWKS endpoint. One Deno process serves `/functions/v1/<name>` for every folder in
// supabase/functions (except `_shared` and dot/underscore folders), calling each function's default
// export `fetch` inside its own worker, with the environment hosted functions get.
// Run: deno run -A --config deno.json local/functions-host/main.ts (the local CLI does this).
import { applyGateway, parseVerifyJwt, type GatewayKeys } from './gateway.ts';
import { signRoleJwt } from '../jwt.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const env = (k: string): string => {
  const v = Deno.env.get(k);
  if (!v) throw new Error(`functions host: ${k} is not set`);
  return v;
};
const port = Number(env('FUNCTIONS_HOST_PORT'));
const functionsDir = env('FUNCTIONS_DIR');
const configToml = env('SUPABASE_CONFIG_TOML');
const keysFile = JSON.parse(await Deno.readTextFile(env('NESTFOLIO_KEYS_FILE')));
const requestTimeoutMs = Number(Deno.env.get('FUNCTIONS_REQUEST_TIMEOUT_MS') ?? 150_000);
// A worker with nothing to do (no request, no waitUntil task) for this long is shut down, as the
// platform shuts idle workers down; the next request starts a fresh one (a cold start). Unset: never.
const workerIdleMs = Deno.env.get('FUNCTIONS_WORKER_IDLE_MS') ? Number(Deno.env.get('FUNCTIONS_WORKER_IDLE_MS')) : null;
const issuer = `${env('SUPABASE_URL')}/auth/v1`;

const keys: GatewayKeys = {
  publishableKey: keysFile.publishableKey,
  secretKey: keysFile.secretKey,
  jwks: keysFile.jwks,
  anonJwt: await signRoleJwt(keysFile.signingJwk, issuer, 'anon'),
  serviceRoleJwt: await signRoleJwt(keysFile.signingJwk, issuer, 'service_role'),
};

type Pending = { resolve: (r: Response) => void; timer: ReturnType<typeof setTimeout> };
type FunctionWorker = { worker: Worker; ready: Promise<void>; fail: (e: Error) => void; pending: Map<number, Pending>; idleTimer?: ReturnType<typeof setTimeout> };
const workers = new Map<string, FunctionWorker>();
let nextId = 1;

const errorResponse = (status: number, code: string, message: string) =>
  Response.json({ code, message }, { status });

function stopWorker(name: string, reason: string): void {
  const w = workers.get(name);
  if (!w) return;
  workers.delete(name);
  w.worker.terminate();
  w.fail(new Error(reason));
  for (const [, p] of w.pending) {
    clearTimeout(p.timer);
    p.resolve(errorResponse(500, 'FUNCTION_ERROR', `Function ${name} failed: ${reason}`));
  }
}

function startWorker(name: string): FunctionWorker {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
  const pending = new Map<number, Pending>();
  let markReady: () => void, markFailed: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => { markReady = res; markFailed = rej; });
  ready.catch(() => {}); // awaited by invoke(); never an unhandled rejection that would stop the host
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type === 'ready') return markReady();
    if (m.type === 'idle') {
      if (workerIdleMs === null) return;
      clearTimeout(fw.idleTimer);
      fw.idleTimer = setTimeout(() => { if (workers.get(name) === fw && fw.pending.size === 0) stopWorker(name, 'idle'); }, workerIdleMs);
      return;
    }
    if (m.type === 'load-error') return markFailed(new Error(m.message));
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.type === 'response') p.resolve(new Response(m.status === 204 || m.status === 304 ? null : m.body, { status: m.status, headers: m.headers }));
    else p.resolve(errorResponse(500, 'FUNCTION_ERROR', `Function ${name} threw: ${m.message}`));
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    console.error(`[functions-host] ${name} crashed: ${e.message}`);
    markFailed(new Error(e.message));
    stopWorker(name, e.message);
  };
  const entry = new URL(`file://${functionsDir}/${name}/index.ts`).href;
  worker.postMessage({ type: 'init', slug: name, entry } satisfies ToWorker);
  const fw: FunctionWorker = { worker, ready, fail: markFailed!, pending };
  workers.set(name, fw);
  return fw;
}

async function functionExists(name: string): Promise<boolean> {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) return false;
  try { return (await Deno.stat(`${functionsDir}/${name}/index.ts`)).isFile; } catch { return false; }
}

async function invoke(name: string, req: Request, headers: Headers, path: string): Promise<Response> {
  const fw = workers.get(name) ?? startWorker(name);
  try {
    await fw.ready;
  } catch (e) {
    stopWorker(name, 'failed to load');
    console.error(`[functions-host] ${name} failed to load: ${(e as Error).message}`);
    return errorResponse(500, 'BOOT_ERROR', `Function ${name} failed to start (see the functions host log)`);
  }
  clearTimeout(fw.idleTimer);
  const id = nextId++;
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : await req.arrayBuffer();
  const url = new URL(req.url);
  return await new Promise<Response>((resolve) => {
    const timer = setTimeout(() => {
      fw.pending.delete(id);
      resolve(errorResponse(546, 'WORKER_LIMIT', `Function ${name} exceeded ${requestTimeoutMs} ms`));
      stopWorker(name, 'wall clock limit');
    }, requestTimeoutMs);
    fw.pending.set(id, { resolve, timer });
    fw.worker.postMessage({ type: 'request', id, method: req.method, url: `${url.origin}${path}${url.search}`, headers: [...headers], body } satisfies ToWorker,
      body ? [body] : []);
  });
}

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === '/auth/v1/.well-known/jwks.json') {
    return Response.json({ keys: keys.jwks.keys }, { headers: { 'access-control-allow-origin': '*' } });
  }
  const m = url.pathname.match(/^\/functions\/v1\/([^/]+)(\/.*)?$/);
  if (!m) return errorResponse(404, 'NOT_FOUND', 'no route matched');
  const name = m[1];
  if (!(await functionExists(name))) return errorResponse(404, 'NOT_FOUND', 'Requested function was not found');
  const verifyJwt = parseVerifyJwt(await Deno.readTextFile(configToml)).get(name) ?? true;
  const gated = req.method === 'OPTIONS' ? new Headers(req.headers) : await applyGateway(req.headers, verifyJwt, keys);
  if (gated instanceof Response) return gated;
  const started = performance.now();
  const res = await invoke(name, req, gated, `/${name}${m[2] ?? ''}`);
  console.log(JSON.stringify({ at: 'functions-host', fn: name, method: req.method, status: res.status, ms: Math.round(performance.now() - started) }));
  return res;
}

// Edits to a function take effect on the next request, as with `supabase functions serve`.
(async () => {
  for await (const event of Deno.watchFs(functionsDir, { recursive: true })) {
    if (!event.paths.some((p) => /\.(ts|js|mjs|json|jsonc)$/.test(p))) continue;
    for (const name of [...workers.keys()]) stopWorker(name, 'reloaded after a file change');
  }
})();

Deno.serve({ port, hostname: '127.0.0.1', onListen: () => console.log(`[functions-host] listening on http://127.0.0.1:${port}`) }, handle);
