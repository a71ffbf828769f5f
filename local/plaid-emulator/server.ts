// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// The HTTP server: Plaid's endpoints (POST JSON at Plaid's paths, Plaid auth, request_id on every
// response, spec validation, Plaid error objects), the emulator-only control API under /__emulator/,
// and the Link drop-in at /link/v2/stable/link-initialize.js (Plaid's CDN path).
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { EmulatorState } from './state.ts';
import { DEFAULT_CONFIG, checkConfigPatch, leniencies, type Config } from './config.ts';
import { PlaidApiError, plaidError, httpStatusOf } from './errors.ts';
import { validateRequest } from './validate.ts';
import { ROUTES } from './routes/index.ts';
import { handleControl } from './control.ts';
import { handleLinkApi, linkScript } from './link/api.ts';
import { handleOAuthPage } from './link/oauth.ts';
import { readBody, sendJson, sleep, BodyTooLarge, CORS_HEADERS } from './http.ts';
import type { Delivery } from './webhooks.ts';

export const API_VERSION = '2020-09-14';
/** Plaid-Version values Plaid has published; the emulator speaks only 2020-09-14. */
const KNOWN_VERSIONS = new Set(['2020-09-14', '2019-05-29', '2018-05-22', '2017-03-08']);

export type EmulatorOptions = {
  port?: number;
  host?: string;
  clientId: string;
  secret: string;
  seed?: number;
  log?: (line: string) => void;
  /** clock in ms since epoch (default Date.now); fix it for byte-identical replays */
  clock?: () => number;
  /** Tap for tests: called after every Plaid API call with what was accepted and what was answered. */
  onExchange?: (e: Exchange) => void;
  /** generated transactions per new Item (default: 4 per requested day) */
  historySize?: number;
  /** a new Item is NOT_READY; INITIAL after this, HISTORICAL after twice this (default 2 s; > 0) */
  transactionsReadyDelayMs?: number;
  /** delay before each webhook delivery (default 0) */
  webhookDelayMs?: number;
  /** first webhook retry delay, then 4x each, six retries (default Plaid's 30 s) */
  webhookRetryBaseMs?: number;
  /** how long a delivery waits for an answer (default Plaid's 10 s) */
  webhookTimeoutMs?: number;
  /** shares of webhooks delivered twice / held back webhookReorderDelayMs (defaults 0.05, 0.05, 2 s) */
  webhookDuplicateRate?: number;
  webhookReorderRate?: number;
  webhookReorderDelayMs?: number;
  /** per-client limits (calls per minute) replacing Plaid's Sandbox ones, by path (benchmarks raise them) */
  clientRateLimits?: Record<string, number>;
  /** Leniencies: each is off unless given the reason the caller needs it (README § Leniency). */
  instantTransactions?: string;
  noItemRateLimits?: string;
  exactWebhookDelivery?: string;
};

export type Exchange = { path: string; request: Record<string, unknown> | null; status: number; response: Record<string, unknown> };

export type Emulator = {
  url: string;
  port: number;
  state: EmulatorState;
  close(): Promise<void>;
  /** Resolves with the first finished webhook delivery matching `pred` (past ones included). */
  waitForWebhook(pred: (d: Delivery) => boolean, timeoutMs?: number): Promise<Delivery>;
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`the emulator binds to loopback only (got host ${host})`);
  if (!opts.clientId || !opts.secret) throw new Error('clientId and secret are required');
  const log = opts.log ?? (() => {});
  const state = new EmulatorState({
    seed: opts.seed ?? 1,
    clientId: opts.clientId,
    secret: opts.secret,
    clock: opts.clock ?? Date.now,
    log,
    config: configFrom(opts),
  });
  const sockets = new Set<Socket>();
  let origin = '';

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    const route = async () => {
      if (req.method === 'OPTIONS' && (path.startsWith('/__emulator/') || path.startsWith('/link/'))) {
        res.writeHead(204, CORS_HEADERS).end();
      } else if (path === '/link/v2/stable/link-initialize.js' && req.method === 'GET') {
        const js = linkScript();
        res.writeHead(200, { 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'no-store', ...CORS_HEADERS }).end(js);
      } else if (path.startsWith('/__emulator/oauth/')) {
        await handleOAuthPage(state, req, res, url);
      } else if (path.startsWith('/__emulator/link/')) {
        await handleLinkApi(state, req, res, path, origin);
      } else if (path.startsWith('/__emulator/')) {
        await handleControl(state, req, res, path, url, origin);
      } else {
        await handlePlaid(state, req, res, path, log, opts.onExchange);
      }
    };
    route().catch((e: unknown) => {
      log(`emulator error on ${req.method} ${path}: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'emulator internal error' });
    });
  });
  // Long keep-alive: clients (undici, axios agents) reuse idle sockets; with Node's 5 s default a busy
  // machine lets the server close a socket just as the client reuses it (ECONNRESET on a POST).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  origin = `http://${host === '::1' ? '[::1]' : host}:${port}`;
  log(`plaid emulator listening on ${origin} (seed ${state.seed})`);
  for (const line of leniencies(state.config)) log(line);

  return {
    url: origin,
    port,
    state,
    waitForWebhook: (pred, timeoutMs) => state.webhooks.waitFor(pred, timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        state.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The starting config: Plaid's behaviour (DEFAULT_CONFIG) with the caller's timings and leniencies. */
function configFrom(o: EmulatorOptions): Config {
  const patch: Record<string, unknown> = {
    history_size: o.historySize, transactions_ready_delay_ms: o.transactionsReadyDelayMs, webhook_delay_ms: o.webhookDelayMs,
    webhook_retry_base_ms: o.webhookRetryBaseMs, webhook_timeout_ms: o.webhookTimeoutMs, webhook_duplicate_rate: o.webhookDuplicateRate,
    webhook_reorder_rate: o.webhookReorderRate, webhook_reorder_delay_ms: o.webhookReorderDelayMs,
    client_rate_limits: o.clientRateLimits,
    leniency: { instant_transactions: o.instantTransactions ?? null, no_item_rate_limits: o.noItemRateLimits ?? null, exact_webhook_delivery: o.exactWebhookDelivery ?? null },
  };
  for (const k of Object.keys(patch)) if (patch[k] === undefined) delete patch[k];
  const config: Config = structuredClone(DEFAULT_CONFIG);
  const checked = checkConfigPatch(patch);
  return { ...config, ...checked, leniency: { ...config.leniency, ...checked.leniency }, client_rate_limits: { ...checked.client_rate_limits } };
}

/** Wait until the client gives up (socket closes) or `ms` pass, without keeping a timer alive after. */
function holdOpen(socket: Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      socket.off('close', done);
      resolve();
    }
    socket.once('close', done);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

async function handlePlaid(state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string, log: (l: string) => void, tap?: (e: Exchange) => void): Promise<void> {
  const requestId = state.requestId();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let accepted: Record<string, unknown> | null = null;
  const send = (status: number, body: Record<string, unknown> | string, note = '') => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    // wall time, and the process CPU time spent (robust to a busy machine; used by the perf test)
    const cpu = process.cpuUsage(cpu0);
    log(`${req.method} ${path} ${status}${note} ${(performance.now() - started).toFixed(1)}ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(1)}ms)`);
    if (tap) {
      let parsed: Record<string, unknown> | undefined;
      const request = accepted;
      // parsed only if the tap reads it, so a tap costs nothing on the hot path
      tap({ path, request, status, get response() { return (parsed ??= JSON.parse(text) as Record<string, unknown>); } });
    }
  };
  const reply = (status: number, body: Record<string, unknown>) => send(status, { ...body, request_id: requestId });
  try {
    const handler = req.method === 'POST' ? ROUTES[path] : undefined;
    if (!handler) throw new PlaidApiError('NOT_FOUND');
    let raw: string;
    try {
      raw = await readBody(req);
    } catch (e) {
      if (e instanceof BodyTooLarge) throw new PlaidApiError('INVALID_BODY');
      throw e;
    }
    // Plaid accepts only application/json bodies.
    if (!(header(req, 'content-type') ?? '').toLowerCase().includes('application/json')) throw new PlaidApiError('INVALID_BODY');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new PlaidApiError('INVALID_BODY');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PlaidApiError('INVALID_BODY');
    const b = body as Record<string, unknown>;

    const version = header(req, 'plaid-version');
    if (version !== undefined && version !== API_VERSION) {
      throw new PlaidApiError('INVALID_HEADERS', {
        message: KNOWN_VERSIONS.has(version)
          ? `this emulator implements Plaid API version ${API_VERSION} only; got Plaid-Version ${version}`
          : `Plaid-Version header must be a valid API version such as ${API_VERSION}`,
      });
    }
    const clientId = header(req, 'plaid-client-id') ?? b.client_id;
    const secret = header(req, 'plaid-secret') ?? b.secret;
    // Absent keys are missing fields (Plaid: "client_id ... is required and may be provided either in the
    // PLAID-CLIENT-ID header or as part of a request body"); present but wrong ones are INVALID_API_KEYS.
    const absent = [clientId === undefined || clientId === null ? 'client_id' : '', secret === undefined || secret === null ? 'secret' : ''].filter(Boolean);
    if (absent.length) throw new PlaidApiError('MISSING_FIELDS', { fields: absent.join(', ') });
    if (clientId !== state.opts.clientId || secret !== state.opts.secret) throw new PlaidApiError('INVALID_API_KEYS');

    validateRequest(path, b);
    accepted = b;

    const itemId = typeof b.access_token === 'string' ? state.byAccessToken.get(b.access_token)?.item_id ?? null : null;
    const limited = state.rateLimited(path, itemId);
    if (limited) throw new PlaidApiError(limited);
    const fault = state.faults.take(path, { itemId, institutionId: typeof b.institution_id === 'string' ? b.institution_id : null, page: null });
    if (fault) {
      if (fault.latency_ms) await sleep(fault.latency_ms);
      if (fault.hang) {
        log(`${req.method} ${path} hanging for ${fault.hang_ms}ms (injected)`);
        await holdOpen(req.socket, fault.hang_ms);
        req.socket.destroy();
        return;
      }
      if (fault.error_code) {
        send(fault.http_status ?? httpStatusOf(fault.error_code), { ...plaidError(fault.error_code, { message: 'injected fault', fields: 'injected' }, requestId) }, ` ${fault.error_code} (injected)`);
        return;
      }
    }
    // A handler may find a fault of its own (page K of a /transactions/sync loop): the answer it
    // decided now is delivered late, or never.
    const delivery = { latencyMs: 0, hangMs: null as number | null };
    let answer: Record<string, unknown> | undefined;
    let failure: unknown = null;
    try {
      answer = await ROUTES[path]({ state, body: b, requestId, delivery });
    } catch (e) {
      failure = e;
    }
    if (delivery.latencyMs) await sleep(delivery.latencyMs);
    if (delivery.hangMs !== null) {
      log(`${req.method} ${path} hanging for ${delivery.hangMs}ms (injected)`);
      await holdOpen(req.socket, delivery.hangMs);
      req.socket.destroy();
      return;
    }
    if (failure !== null) throw failure;
    reply(200, answer as Record<string, unknown>);
  } catch (e) {
    if (e instanceof PlaidApiError) {
      send(httpStatusOf(e.code), { ...plaidError(e.code, e.vars, requestId) }, ` ${e.code}`);
      return;
    }
    log(`${req.method} ${path} internal error: ${(e as Error).stack ?? e}`);
    send(500, { ...plaidError('INTERNAL_SERVER_ERROR', {}, requestId) });
  }
}
