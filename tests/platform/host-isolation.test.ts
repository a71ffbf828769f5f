// One broken function must not take the host (or other functions) down: a syntax error, a throwing
// handler and a crashing isolate each answer 500 for that function only. Runs a second host over a
// throw-away functions folder so the product's functions stay untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startFunctionsHost } from '../../local/stack.ts';
import { newSession, testStack } from '../support/stack.ts';

const functions: Record<string, string> = {
  good: `export default { fetch: (req: Request) => Response.json({ ok: true, slug: Deno.env.get('SUPABASE_FUNCTION_SLUG'), path: new URL(req.url).pathname }) };`,
  broken: `export default { fetch: (req: Request) => { return new Response('x' };`,
  throws: `export default { fetch: () => { throw new Error('handler exploded'); } };`,
  crashes: `export default { fetch: () => { setTimeout(() => { throw new Error('isolate crash'); }, 0); return new Promise(() => {}); } };`,
  legacy: `Deno.serve((_req: Request) => new Response('served by Deno.serve'));`,
  waits: `export default { fetch: () => { EdgeRuntime.waitUntil(Promise.resolve()); return new Response('ok'); } };`,
  gated: `export default { fetch: () => new Response('behind verify_jwt') };`,
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

let host: ChildProcess;
let base: string;
const logs: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nf-fns-'));
  for (const [name, src] of Object.entries(functions)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'index.ts'), src);
  }
  const toml = join(dir, 'config.toml');
  writeFileSync(toml, Object.keys(functions).filter((n) => n !== 'gated').map((n) => `[functions.${n}]\nverify_jwt = false\n`).join('\n'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}/functions/v1`;
  host = await startFunctionsHost({
    port, functionsDir: dir, configToml: toml, keysFile: join(testStack.stateDir, 'keys.json'),
    env: { SUPABASE_URL: `http://127.0.0.1:${port}`, FUNCTIONS_REQUEST_TIMEOUT_MS: '5000' },
    logFile: join(tmpdir(), `nf-host-${port}.log`), log: (l) => logs.push(l),
  });
});

afterAll(() => { host?.kill('SIGTERM'); });

describe('functions host isolation', () => {
  it('serves a good function with its slug and a /<name> path, like the platform', async () => {
    const res = await fetch(`${base}/good/sub/path`);
    expect(await res.json()).toEqual({ ok: true, slug: 'good', path: '/good/sub/path' });
  });

  it('a syntax error answers 500 for that function and is logged; others keep working', async () => {
    const res = await fetch(`${base}/broken`);
    expect(res.status).toBe(500);
    expect((await res.json()).code).toBe('BOOT_ERROR');
    expect(logs.join('\n')).toMatch(/broken failed to load/);
    expect((await fetch(`${base}/good`)).status).toBe(200);
  });

  it('a throwing handler answers 500; the host survives', async () => {
    const res = await fetch(`${base}/throws`);
    expect(res.status).toBe(500);
    expect((await res.json()).message).toMatch(/handler exploded/);
    expect((await fetch(`${base}/good`)).status).toBe(200);
  });

  it('a crashing isolate answers 500 and is restarted on the next request', async () => {
    const res = await fetch(`${base}/crashes`);
    expect(res.status).toBe(500);
    expect((await fetch(`${base}/good`)).status).toBe(200);
    expect(host.exitCode).toBeNull();
  });

  it('supports Deno.serve-style functions and EdgeRuntime.waitUntil', async () => {
    expect(await (await fetch(`${base}/legacy`)).text()).toBe('served by Deno.serve');
    expect(await (await fetch(`${base}/waits`)).text()).toBe('ok');
  });

  it('enforces verify_jwt (default true) at the gateway like the platform', async () => {
    const denied = await fetch(`${base}/gated`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ msg: 'Missing authorization header' });
    const bad = await fetch(`${base}/gated`, { headers: { Authorization: 'Bearer not.a.jwt' } });
    expect(bad.status).toBe(401);
    const s = await newSession();
    expect((await fetch(`${base}/gated`, { headers: { Authorization: `Bearer ${s.access_token}` } })).status).toBe(200);
    // An sb_ key is swapped for a role JWT by the gateway, so it passes verify_jwt as on the platform.
    expect((await fetch(`${base}/gated`, { headers: { apikey: testStack.keys.publishableKey } })).status).toBe(200);
  });
});
