// bench: cold start (module load to first response) of each Edge Function, as written (type-only
// imports of `plaid`) vs the same function importing the official `plaid` client, measured in the
// same run in fresh Deno processes, alternating variants. Prints the median of each and the ratio.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, repoRoot } from '../local/paths.ts';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const fnDir = join(repoRoot, 'supabase', 'functions');
const names = readdirSync(fnDir).filter((n) => !n.startsWith('_') && !n.startsWith('.') && existsSync(join(fnDir, n, 'index.ts')));
const env = { ...process.env, SUPABASE_URL: 'http://127.0.0.1:54321', SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_x"}', SUPABASE_SECRET_KEYS: '{"default":"sb_secret_x"}', SUPABASE_JWKS: '{"keys":[]}', SUPABASE_DB_URL: 'postgresql://postgres:postgres@127.0.0.1:1/postgres' };

function probe(name: string, variant?: string): number {
  const r = spawnSync(join(binDir, 'deno'), ['run', '-A', '--config', join(repoRoot, 'deno.json'), join(repoRoot, 'bench', 'support', 'cold-start-probe.ts'), name, ...(variant ? [variant] : [])], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`probe ${name} ${variant ?? ''} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!).ms;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export type ColdStartRow = { fn: string; leanMs: number; withPlaidMs: number; ratio: number };

export function measureColdStarts(): ColdStartRow[] {
  probe(names[0]); probe(names[0], '--with-plaid'); // warm Deno's module and code caches once
  return names.map((fn) => {
    const lean: number[] = [], heavy: number[] = [];
    for (let i = 0; i < runs; i++) { lean.push(probe(fn)); heavy.push(probe(fn, '--with-plaid')); }
    const leanMs = median(lean), withPlaidMs = median(heavy);
    return { fn, leanMs, withPlaidMs, ratio: withPlaidMs / leanMs };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = measureColdStarts();
  for (const r of rows) console.log(`${r.fn.padEnd(24)} lean ${r.leanMs.toFixed(0).padStart(5)} ms   with plaid client ${r.withPlaidMs.toFixed(0).padStart(5)} ms   ratio ${r.ratio.toFixed(2)}x`);
}
