// Same seed -> byte-identical responses; a 10,000-transaction Item syncs in 20 pages of 500 served in
// well under a second (pages/s printed); 100,000+ transactions per Item stay cheap.
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_ID, HEADERS, SECRET, exchangeProblems, startTestEmulator, type TestEmulator } from './support.ts';
import { startEmulator } from '../../local/plaid-emulator/server.ts';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const started: TestEmulator[] = [];
const INSTANT = 'these tests measure determinism and serving speed of a full history, not readiness';
const UNPACED = 'the performance tests page 200 times through one Item to measure serving speed, not pacing';
afterAll(async () => {
  for (const e of started) await e.close();
});

/** Validate (against the real spec) and forget what the emulator exchanged so far. */
function drainProblems(e: TestEmulator): string[] {
  const problems = e.exchanges.flatMap(exchangeProblems);
  e.exchanges.length = 0;
  return problems;
}

/** Server-side handling time of each /transactions/sync call, read from the emulator's log. */
function syncTimer() {
  const ms: number[] = [];
  return { ms, log: (line: string) => { const m = /^POST \/transactions\/sync 200 ([\d.]+)ms/.exec(line); if (m) ms.push(Number(m[1])); } };
}

/** Run a fixed script of calls and return every raw response body. */
async function transcript(seed: number): Promise<string[]> {
  const fixed = Date.UTC(2026, 0, 15, 12, 0, 0);
  const problems: string[] = [];
  const emu = await startEmulator({ clientId: CLIENT_ID, secret: SECRET, seed, clock: () => fixed, historySize: 700, instantTransactions: INSTANT, onExchange: (x) => problems.push(...exchangeProblems(x)) });
  const out: string[] = [];
  const call = async (path: string, body: Record<string, unknown>) => {
    const res = await fetch(emu.url + path, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) });
    const text = await res.text();
    out.push(text);
    return JSON.parse(text);
  };
  try {
    await call('/link/token/create', { client_name: 'Nestfolio', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, products: ['transactions'] });
    const pt = await call('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions', 'liabilities', 'investments'] });
    const { access_token } = await call('/item/public_token/exchange', { public_token: pt.public_token });
    let cursor = '';
    for (let more = true; more;) {
      const page = await call('/transactions/sync', { access_token, cursor, count: 250 });
      cursor = page.next_cursor;
      more = page.has_more;
    }
    await call('/accounts/get', { access_token });
    await call('/item/get', { access_token });
    await call('/liabilities/get', { access_token });
    await call('/investments/holdings/get', { access_token });
    await call('/investments/transactions/get', { access_token, start_date: '2020-01-01', end_date: '2030-01-01' });
    const keys = await fetch(emu.url + '/__emulator/webhook-keys').then((r) => r.json());
    await call('/webhook_verification_key/get', { key_id: keys.current_kid });
    await call('/accounts/get', { access_token: 'access-sandbox-wrong' });
  } finally {
    await emu.close();
  }
  expect(problems).toEqual([]);
  return out;
}

describe('determinism', () => {
  it('the same seed gives byte-identical responses; another seed gives different data', async () => {
    const [a, b, c] = await Promise.all([transcript(11), transcript(11), transcript(12)]);
    expect(a.length).toBeGreaterThan(10);
    expect(b).toEqual(a);
    expect(c[3]).not.toEqual(a[3]); // first sync page
  });
});

describe('performance', () => {
  it('serves a 10,000-transaction Item as 20 pages of 500 in well under a second (emulator in its own process)', async () => {
    // Run the emulator the way the local stack does (node local/plaid-emulator/main.ts), so its timings
    // are not mixed with this test's own fetch + JSON.parse on the same thread.
    const main = fileURLToPath(new URL('../../local/plaid-emulator/main.ts', import.meta.url));
    const child = spawn(process.execPath, [main, '--port', '0', '--seed', '3', '--history-size', '10000', '--instant-transactions', INSTANT], {
      env: { ...process.env, PLAID_CLIENT_ID: CLIENT_ID, PLAID_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const served: number[] = [];
      const cpu: number[] = [];
      let onTiming = () => {};
      const url = await new Promise<string>((resolve, reject) => {
        child.once('exit', (c) => reject(new Error(`emulator exited with ${c}`)));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const u = /Plaid sandbox emulator on (http:\/\/\S+)/.exec(line);
          if (u) resolve(u[1]);
          const t = /POST \/transactions\/sync 200 ([\d.]+)ms \(cpu ([\d.]+)ms\)$/.exec(line);
          if (t) {
            served.push(Number(t[1]));
            cpu.push(Number(t[2]));
            onTiming();
          }
        });
      });
      /** Resolves once the child has logged n sync timings (its stdout can trail the responses). */
      const timings = (n: number) => new Promise<void>((resolve) => {
        onTiming = () => served.length >= n && resolve();
        onTiming();
      });
      const post = async (path: string, body: Record<string, unknown>) => (await fetch(url + path, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) })).json();
      const pt = await post('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'] });
      const { access_token } = await post('/item/public_token/exchange', { public_token: pt.public_token });
      await post('/transactions/sync', { access_token, count: 10 }); // warm-up (JIT), not measured
      const bodies: Record<string, any>[] = [];
      let cursor = '';
      const t0 = performance.now();
      for (let more = true; more;) {
        const body = await post('/transactions/sync', { access_token, cursor, count: 500 });
        bodies.push(body);
        cursor = body.next_cursor;
        more = body.has_more;
      }
      const ms = performance.now() - t0;
      await timings(1 + bodies.length);
      const pageTimes = served.slice(1);
      const total = pageTimes.reduce((a, b) => a + b, 0);
      const cpuTotal = cpu.slice(1).reduce((a, b) => a + b, 0);
      const txs = bodies.reduce((n, b) => n + b.added.length, 0);
      console.log(`[emulator perf] 10,000 transactions in ${bodies.length} pages of 500: served in ${total.toFixed(0)} ms wall / ${cpuTotal.toFixed(0)} ms CPU (${(bodies.length / (total / 1000)).toFixed(0)} pages/s, ${Math.round(txs / (total / 1000))} transactions/s server-side); end to end incl. this client's fetch + JSON.parse ${ms.toFixed(0)} ms (${(bodies.length / (ms / 1000)).toFixed(0)} pages/s)`);
      expect(bodies).toHaveLength(20);
      expect(txs).toBe(10_000);
      expect(pageTimes).toHaveLength(20);
      // Timing goals live in bench/ (emulator-sync.ts, in `npm run bench`); the test checks the paging
      // and prints what it measured.
      const problems = bodies.flatMap((b) => exchangeProblems({ path: '/transactions/sync', request: null, status: 200, response: b }));
      expect(problems).toEqual([]);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('handles a 100,000-transaction Item (history set per Item via user_custom) without materializing it', async () => {
    const timer = syncTimer();
    const emu = await startTestEmulator({ log: timer.log, instantTransactions: INSTANT, noItemRateLimits: UNPACED });
    started.push(emu);
    const { access_token, item_id } = await emu.newItem({ options: { override_username: 'user_custom', override_password: JSON.stringify({ emulator: { history_size: 100_000, days_requested: 730 } }) } });
    const item = await emu.control('GET', `/__emulator/items/${item_id}`);
    expect(item.transaction_count).toBe(100_000);
    // The generated history is one index range in the log, not 100,000 objects.
    const log = emu.state.byItemId.get(item_id)!.tx;
    expect(log.segs.map((x) => x.kind)).toEqual(['gen', 'gen']); // the initial 30 days, then the rest
    expect(log.genCount).toBe(100_000);
    expect(log.touches.size).toBe(0);    let cursor = '';
    let pages = 0;
    let txs = 0;
    const problems: string[] = [];
    const t0 = performance.now();
    for (let more = true; more; pages++) {
      const r = await emu.plaid('/transactions/sync', { access_token, cursor, count: 500 });
      txs += r.body.added.length;
      cursor = r.body.next_cursor;
      more = r.body.has_more;
      if (pages % 40 === 0) problems.push(...drainProblems(emu)); // validate a page in 40, keep memory flat
      else emu.exchanges.length = 0;
    }
    const ms = performance.now() - t0;
    const served = timer.ms.reduce((a, b) => a + b, 0);
    console.log(`[emulator perf] 100,000 transactions: ${pages} pages of 500 served in ${served.toFixed(0)} ms (${(pages / (served / 1000)).toFixed(0)} pages/s server-side), ${ms.toFixed(0)} ms end to end`);
    expect(problems).toEqual([]);
    expect(pages).toBe(200);
    expect(txs).toBe(100_000);
    // growing the history later appends older transactions that sync as added
    await emu.control('POST', `/__emulator/items/${item_id}/history`, { size: 100_250 });
    const more = await emu.plaid('/transactions/sync', { access_token, cursor, count: 500 });
    expect(more.body.added).toHaveLength(250);
    expect(drainProblems(emu)).toEqual([]);
  });
});
