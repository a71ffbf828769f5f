// Shared helpers for the Plaid emulator tests: start an emulator, call it, check every exchange against
// Plaid's real OpenAPI spec (parsed once per test file), and receive webhooks.
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startEmulator, type Emulator, type EmulatorOptions, type Exchange } from '../../local/plaid-emulator/server.ts';
import { convert } from '../../local/plaid-emulator/spec/openapi-to-jsonschema.ts';
import { WEBHOOKS } from '../../local/plaid-emulator/spec/manifest.ts';

// Plaid's spec is reference material beside the checkout (../shared/plaid-openapi, see its SOURCE.md),
// not part of the repository; PLAID_OPENAPI_SPEC points elsewhere (a clone elsewhere on this machine
// finds the workplace's copy in /work/shared).
const specCandidates = [fileURLToPath(new URL('../../../shared/plaid-openapi/2020-09-14.yml', import.meta.url)), '/work/shared/plaid-openapi/2020-09-14.yml'];
export const SPEC_PATH = process.env.PLAID_OPENAPI_SPEC ?? specCandidates.find((p) => existsSync(p)) ?? specCandidates[0];
export const CLIENT_ID = 'test-client-id';
export const SECRET = 'test-secret';
export const HEADERS = { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET, 'Plaid-Version': '2020-09-14' };

type Spec = {
  paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> }; responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> } }>;
  components: { schemas: Record<string, unknown> };
};

let specText: string | null = null;
let spec: Spec | null = null;
let ajv: Ajv | null = null;
const validators = new Map<string, ValidateFunction>();
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv, f: string[]) => void;

/** The spec's raw text (read once per test file). */
export function specYaml(): string {
  if (specText === null && !existsSync(SPEC_PATH)) {
    throw new Error(`Plaid's OpenAPI spec is not at ${SPEC_PATH}: the emulator is validated against it. Put plaid/plaid-openapi's 2020-09-14.yml there or set PLAID_OPENAPI_SPEC.`);
  }
  specText ??= readFileSync(SPEC_PATH, 'utf8');
  return specText;
}

/**
 * Plaid's OpenAPI spec, parsed once per test file. Parsing the 3 MB YAML takes ~2 s, so the result is
 * also cached as JSON in the OS temp dir under the YAML's SHA-256 (a changed spec never hits a stale
 * cache); parallel test files share it.
 */
export function plaidSpec(): Spec {
  if (spec) return spec;
  const text = specYaml();
  const cache = join(tmpdir(), `plaid-openapi-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
  try {
    spec = JSON.parse(readFileSync(cache, 'utf8')) as Spec;
  } catch {
    spec = parse(text, { maxAliasCount: -1 }) as Spec;
    const tmp = `${cache}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(spec));
    renameSync(tmp, cache); // atomic: readers never see a half-written file
  }
  return spec;
}

/** An ajv validator for a component schema of the real spec (compiled lazily, only what it reaches). */
export function specValidator(schemaName: string): ValidateFunction {
  let v = validators.get(schemaName);
  if (v) return v;
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv, ['date', 'date-time']);
    const defs: Record<string, unknown> = {};
    for (const [name, s] of Object.entries(plaidSpec().components.schemas)) defs[name] = convert(s);
    ajv.addSchema({ $id: 'spec', definitions: defs });
  }
  v = ajv.getSchema(`spec#/definitions/${schemaName}`);
  if (!v) throw new Error(`spec has no schema ${schemaName}`);
  validators.set(schemaName, v);
  return v;
}

const refName = (r: string) => r.replace('#/components/schemas/', '');

/** Errors (empty = valid) of one body against a named schema of the real spec. */
export function specErrors(schemaName: string, data: unknown): string[] {
  const v = specValidator(schemaName);
  return v(data) ? [] : (v.errors ?? []).map((e) => `${schemaName}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Check one Plaid exchange: the accepted request against the path's request schema, the response
 *  against its 200 schema or PlaidError. Returns human-readable problems. */
export function exchangeProblems(x: Exchange): string[] {
  const op = plaidSpec().paths[x.path]?.post;
  if (!op) return x.status === 404 ? specErrors('PlaidError', x.response) : [`${x.path} is not in the spec`];
  const problems: string[] = [];
  if (x.request) problems.push(...specErrors(refName(op.requestBody.content['application/json'].schema.$ref), x.request));
  if (x.status === 200) problems.push(...specErrors(refName(op.responses['200'].content!['application/json'].schema.$ref), x.response));
  else problems.push(...specErrors('PlaidError', x.response));
  if (typeof x.response.request_id !== 'string' || !x.response.request_id) problems.push(`${x.path}: response has no request_id`);
  return problems.map((p) => `${x.path} (${x.status}): ${p}`);
}

/** Webhook body against the spec's payload schema for its type/code. */
export function webhookProblems(body: Record<string, unknown>): string[] {
  const name = WEBHOOKS[`${body.webhook_type}:${body.webhook_code}`];
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
