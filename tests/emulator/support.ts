// Shared helpers for the Plaid emulator tests: start an emulator, call it, check every exchange against
// the schemas extracted from Plaid's OpenAPI spec (local/plaid-emulator/spec/plaid-schemas.json, which
// records the spec version and SHA-256 it came from; `npm test` proves it current where the spec is at
// hand), and receive webhooks.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startEmulator, type Emulator, type EmulatorOptions, type Exchange } from '../../local/plaid-emulator/server.ts';
import { readExtract } from '../../local/plaid-emulator/spec/extract.ts';

export const CLIENT_ID = 'test-client-id';
export const SECRET = 'test-secret';
export const HEADERS = { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET, 'Plaid-Version': '2020-09-14' };

/** The committed extract of Plaid's spec: endpoint and webhook schema names, and the schemas. */
export const EXTRACT = readExtract();

let ajv: Ajv | null = null;
const validators = new Map<string, ValidateFunction>();
// ajv-formats is CommonJS; its default export is the function under node's ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv, f: string[]) => void;

/** An ajv validator for a schema of the extract (compiled lazily, only what it reaches). */
export function specValidator(schemaName: string): ValidateFunction {
  let v = validators.get(schemaName);
  if (v) return v;
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv, ['date', 'date-time']);
    ajv.addSchema({ $id: 'spec', definitions: EXTRACT.definitions });
  }
  v = ajv.getSchema(`spec#/definitions/${schemaName}`);
  if (!v) throw new Error(`the extract has no schema ${schemaName} (add it to local/plaid-emulator/spec/manifest.ts and regenerate)`);
  validators.set(schemaName, v);
  return v;
}

/** Errors (empty = valid) of one body against a named schema of Plaid's spec. */
export function specErrors(schemaName: string, data: unknown): string[] {
  const v = specValidator(schemaName);
  return v(data) ? [] : (v.errors ?? []).map((e) => `${schemaName}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Check one Plaid exchange: the accepted request against the path's request schema, the response
 *  against its 200 schema or PlaidError. Returns human-readable problems. */
export function exchangeProblems(x: Exchange): string[] {
  const names = EXTRACT.endpoints[x.path];
  if (!names) return x.status === 404 ? specErrors('PlaidError', x.response) : [`${x.path} is not in the spec extract (local/plaid-emulator/spec/manifest.ts)`];
  const [request, response] = names;
  const problems: string[] = [];
  if (x.request) problems.push(...specErrors(request, x.request));
  problems.push(...specErrors(x.status === 200 ? response : 'PlaidError', x.response));
  if (typeof x.response.request_id !== 'string' || !x.response.request_id) problems.push(`${x.path}: response has no request_id`);
  return problems.map((p) => `${x.path} (${x.status}): ${p}`);
}

/** Webhook body against the spec's payload schema for its type/code. */
export function webhookProblems(body: Record<string, unknown>): string[] {
  const name = EXTRACT.webhooks[`${body.webhook_type}:${body.webhook_code}`];
  if (!name) return [`no spec schema known for webhook ${body.webhook_type}:${body.webhook_code}`];
  return specErrors(name, body);
}

export type TestEmulator = Emulator & {
  exchanges: Exchange[];
  /** POST a Plaid endpoint with the test credentials. */
  plaid(path: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, any> }>;
  /** Call the control API. */
  control(method: string, path: string, body?: unknown): Promise<any>;
  /** public_token -> access_token for a sandbox Item. */
  newItem(opts?: { institution_id?: string; products?: string[]; options?: Record<string, unknown> }): Promise<{ access_token: string; item_id: string }>;
};

export async function startTestEmulator(opts: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const exchanges: Exchange[] = [];
  const emu = await startEmulator({ clientId: CLIENT_ID, secret: SECRET, port: 0, seed: 7, ...opts, onExchange: (x) => exchanges.push(x) });
  const plaid: TestEmulator['plaid'] = async (path, body, headers = {}) => {
    const res = await fetch(emu.url + path, { method: 'POST', headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const control: TestEmulator['control'] = async (method, path, body) => {
    const res = await fetch(emu.url + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const newItem: TestEmulator['newItem'] = async (o = {}) => {
    const pt = await plaid('/sandbox/public_token/create', { institution_id: o.institution_id ?? 'ins_109508', initial_products: o.products ?? ['transactions'], options: o.options ?? {} });
    if (pt.status !== 200) throw new Error(JSON.stringify(pt.body));
    const ex = await plaid('/item/public_token/exchange', { public_token: pt.body.public_token });
    return ex.body as { access_token: string; item_id: string };
  };
  return Object.assign(emu, { exchanges, plaid, control, newItem });
}

export type Received = { headers: IncomingHttpHeaders; raw: string; body: Record<string, any> };

/** A webhook receiver on 127.0.0.1:0 whose `next` resolves when a matching webhook arrives. */
export async function webhookReceiver(status = 200) {
  const received: Received[] = [];
  let waiters: Array<{ pred: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const r: Received = { headers: req.headers, raw, body: JSON.parse(raw) };
      received.push(r);
      res.writeHead(status).end();
      waiters = waiters.filter((w) => (w.pred(r) ? (w.resolve(r), false) : true));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}/plaid/webhook`,
    received,
    next(pred: (r: Received) => boolean = () => true): Promise<Received> {
      const hit = received.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export const code = (c: string) => (r: Received) => r.body.webhook_code === c;

/** Sync every page from `cursor`; returns all pages. */
export async function syncAll(emu: TestEmulator, access_token: string, cursor = '', count = 500) {
  const pages: Record<string, any>[] = [];
  for (;;) {
    const r = await emu.plaid('/transactions/sync', { access_token, cursor, count });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    pages.push(r.body);
    cursor = r.body.next_cursor;
    if (!r.body.has_more) return { pages, cursor };
  }
}
