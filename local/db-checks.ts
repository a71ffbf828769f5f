// `supabase db advisors` (security + performance, every level) and `supabase db lint` (plpgsql_check),
// each run once per test run by the test command against the freshly migrated test database. A
// finding for our schemas, or one that names no schema, fails the run; the rules are here (and
// unit-tested in tests/db/advisor-rules.test.ts) so the CLI never has to run twice.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { binDir, repoRoot } from './paths.ts';

/** Our schemas: the data model lives in public (exposed) and private (internal). */
export const ourSchemas = ['public', 'private'];

export type Advisory = { name: string; level: string; detail: string; categories?: string[]; metadata?: { schema?: string; name?: string } };
export type LintResult = { function: string; issues: Array<{ level: string; message: string; sqlState?: string }> };

// unused_index: on a freshly built database no index has been scanned yet (pg_stat_user_indexes.idx_scan
// = 0), so the advisor lists every non-unique index. Each of ours backs a foreign key (the cascade from
// items and accounts, and the unindexed_foreign_keys advisor) or a UI query (a user's or an account's
// transactions by date), so it stays; on the hosted project this INFO finding only means "not used yet".
const notApplicableOnAFreshDatabase = new Set(['unused_index']);
// Every index we create is named <table>_<columns>_idx and covers a foreign key, a UI query or (in
// private) a queue's due-work scan.
const ourIndexName = /Index `[a-z_]+_idx` on table `(public|private)\.[a-z_]+`/;

const describe = (a: Advisory) => `${a.level} ${a.name}${a.metadata?.schema ? ` (${a.metadata.schema})` : ''}: ${a.detail}`;

/** Sorts advisor findings: `failures` fail the run, `accepted` are listed, `elsewhere` concern the
 *  platform stand-ins' schemas (auth, vault, net, cron…), not the data model. */
export function judgeAdvisories(results: Advisory[]): { failures: string[]; accepted: string[]; elsewhere: number } {
  const failures: string[] = [], accepted: string[] = [];
  let elsewhere = 0;
  for (const a of results) {
    const schema = a.metadata?.schema;
    if (schema && !ourSchemas.includes(schema)) elsewhere++;
    else if (schema && notApplicableOnAFreshDatabase.has(a.name) && ourIndexName.test(a.detail)) accepted.push(`${describe(a)} (not yet used: the database is new)`);
    else failures.push(describe(a));
  }
  return { failures, accepted, elsewhere };
}

/** Every lint issue (warning or error) in a function of our schemas fails the run. */
export function judgeLint(results: LintResult[]): string[] {
  return results.flatMap((r) => r.issues.map((i) => `${r.function}: ${i.level} ${i.message}`));
}

/** Runs the real Supabase CLI and parses its JSON output. */
export function supabaseJson<T>(args: string[]): T {
  // Without TLS on the local cluster the CLI prints a notice; PGSSLMODE=disable skips the TLS attempt.
  const r = spawnSync(join(binDir, 'supabase'), [...args, '--output-format', 'json'], {
    cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PGSSLMODE: 'disable' },
  });
  if (r.status !== 0) throw new Error(`supabase ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const start = r.stdout.indexOf('{');
  if (start < 0) throw new Error(`supabase ${args.join(' ')}: no JSON in output:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.slice(start)) as T;
}

export type DbCheck = { name: string; failures: string[]; notes: string[] };

/** `supabase db advisors` and `supabase db lint`, once each. */
export function runDbChecks(dbUrl: string): DbCheck[] {
  const advisors = judgeAdvisories(supabaseJson<{ results: Advisory[] }>(['db', 'advisors', `--remote=${dbUrl}`, '--type', 'all', '--level', 'info']).results);
  const lint = judgeLint(supabaseJson<{ results: LintResult[] }>(['db', 'lint', `--remote=${dbUrl}`, '--schema', ourSchemas.join(','), '--level', 'warning']).results);
  return [
    { name: 'supabase db advisors', failures: advisors.failures, notes: [...advisors.accepted, `${advisors.elsewhere} finding(s) in the platform stand-ins' schemas (not ours)`] },
    { name: 'supabase db lint', failures: lint, notes: [] },
  ];
}
