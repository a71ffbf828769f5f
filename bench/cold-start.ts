// bench: cold start as a user meets it. The first request through the functions host to a fresh
// worker (worker start, module load, DB connect, JWT verification, the function's own work) for
// plaid-accounts (the Accounts page) and plaid-sync ("Sync now"), against the next request to the same
// worker (warm), in the same run. The host shuts idle workers down (FUNCTIONS_WORKER_IDLE_MS), as the
// platform does, so every cold request meets a fresh worker. Also, informative: module load to first
// response of every function in a fresh Deno process, as written vs importing the official `plaid`
// client (why the functions import only its types).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, repoRoot } from '../local/paths.ts';
import { allIdle, benchStack } from './support/stack.ts';
import { median, row, spread, type Row } from './support/measure.ts';

const runs = Math.max(3, Number(process.env.BENCH_RUNS ?? 5));
const idleMs = 300;

export async function benchColdStart(): Promise<Row[]> {
  const rows: Row[] = [];
  const b = await benchStack('cold-start', { functionSecrets: { FUNCTIONS_WORKER_IDLE_MS: String(idleMs) } });
  try {
    const [user] = await b.users(1);
    const item = await b.connect(user, 50);
    await allIdle(b.sql, [item]);
    const userHeaders = { Authorization: `Bearer ${user.token}`, apikey: b.stack.keys.publishableKey };
    const calls: Array<{ fn: string; body: unknown }> = [
      { fn: 'plaid-accounts', body: {} },
      { fn: 'plaid-sync', body: { item_id: item } },
    ];
    const fresh = async () => {
      // Every worker idle long enough to be shut down: the next request starts a fresh one.
      await allIdle(b.sql, [item]);
      await new Promise((r) => setTimeout(r, idleMs * 3));
    };
    for (const { fn, body } of calls) {
      const cold: number[] = [], warm: number[] = [], preflight: number[] = [];
      for (let i = 0; i < runs; i++) {
        await fresh();
        for (const into of [cold, warm]) {
          const t0 = performance.now();
          const res = await b.fn(fn, body, userHeaders);
          into.push(performance.now() - t0);
          if (res.status >= 300) throw new Error(`${fn}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        // The part that is worker start and module load: a CORS preflight (no JWT, no database).
        await fresh();
        const t0 = performance.now();
        await (await fetch(`${b.stack.apiUrl}/functions/v1/${fn}`, { method: 'OPTIONS', headers: { Origin: 'http://localhost', 'Access-Control-Request-Method': 'POST' } })).arrayBuffer();
        preflight.push(performance.now() - t0);
      }
      const c = median(cold), w = median(warm), p = median(preflight);
      rows.push(row({
        id: `cold-${fn}`,
        benchmark: `cold start through the functions host: first ${fn} request to a fresh worker (median of ${runs})`,
        measured: `${c.toFixed(0)} ms (${spread(cold)}); of it, worker start + module load ${p.toFixed(0)} ms (a preflight to a fresh worker)`,
        baseline: `${w.toFixed(0)} ms warm: the next request to the same worker`,
        ratio: `${(c / w).toFixed(2)}×`, goal: '≤ 100 ms', met: c <= 100 ? 'yes' : `NO (+${(c - 100).toFixed(0)} ms)`,
        data: { cold: c, warm: w, preflight: p },
      }));
    }
  } finally {
    await b.stop();
  }
  rows.push(...moduleLoads());
  return rows;
}

const fnDir = join(repoRoot, 'supabase', 'functions');
const names = readdirSync(fnDir).filter((n) => !n.startsWith('_') && !n.startsWith('.') && existsSync(join(fnDir, n, 'index.ts')));
const probeEnv = { ...process.env, SUPABASE_URL: 'http://127.0.0.1:54321', SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_x"}', SUPABASE_SECRET_KEYS: '{"default":"sb_secret_x"}', SUPABASE_JWKS: '{"keys":[]}', SUPABASE_DB_URL: 'postgresql://postgres:postgres@127.0.0.1:1/postgres' };

function probe(name: string, variant?: string): number {
  const r = spawnSync(join(binDir, 'deno'), ['run', '-A', '--config', join(repoRoot, 'deno.json'), join(repoRoot, 'bench', 'support', 'cold-start-probe.ts'), name, ...(variant ? [variant] : [])], { encoding: 'utf8', env: probeEnv });
  if (r.status !== 0) throw new Error(`probe ${name} ${variant ?? ''} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!).ms;
}

/** Module load to first response in fresh Deno processes, lean vs importing the `plaid` client. */
function moduleLoads(): Row[] {
  probe(names[0]); probe(names[0], '--with-plaid'); // warm Deno's module and code caches once
  const lean: number[] = [], heavy: number[] = [];
  for (const fn of names) {
    const l: number[] = [], h: number[] = [];
    for (let i = 0; i < 3; i++) { l.push(probe(fn)); h.push(probe(fn, '--with-plaid')); }
    lean.push(median(l)); heavy.push(median(h));
  }
  const ratios = lean.map((l, i) => l / heavy[i]);
  return [row({
    benchmark: `module load to first response, each of the ${names.length} functions in a fresh Deno process (median of 3 each)`,
    measured: `${Math.min(...lean).toFixed(0)}–${Math.max(...lean).toFixed(0)} ms`,
    baseline: `${Math.min(...heavy).toFixed(0)}–${Math.max(...heavy).toFixed(0)} ms importing the \`plaid\` client`,
    ratio: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×`, goal: 'faster than with the client',
    met: ratios.every((r) => r < 1) ? 'yes' : 'NO',
  })];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchColdStart()) console.log(`${r.benchmark}: ${r.measured} (baseline ${r.baseline}, ${r.ratio}; goal ${r.goal}: ${r.met}; load ${r.load})`);
}
