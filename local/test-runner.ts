// Runs every test. First what needs no stack: `tsc -b` over every TypeScript project, deno check +
// deno lint over the functions and the functions host, and (where Plaid's spec is at hand) that the
// emulator's spec extract is current. Then, against a fresh, isolated local stack (its own state folder
// and ports, so a running dev stack is untouched): pgTAP through pg_prove, `supabase db advisors` and
// `db lint` (once each; findings for our schemas fail), vitest (the product's project, then the
// stand-ins'), and a scan of every response and log line for secrets. Ends with one summary line.
//   npm test                      everything
//   npm test -- --only=vitest     one suite (tsc | deno | spec | pgtap | db | vitest); extra args go to vitest
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startStack } from './stack.ts';
import { ensureDebianPackages } from './postgres.ts';
import { binDir, repoRoot, stateDir } from './paths.ts';
import { runDbChecks } from './db-checks.ts';
import { checkExtract, specAtHand } from './plaid-emulator/spec/extract.ts';
import { projectOf, type VitestProject } from './vitest-projects.ts';

// Its own ports, so a dev stack (54321…) keeps running; a second checkout or agent can move the whole
// block with NESTFOLIO_TEST_PORT_BASE (API = base, DB = base + 1, web = base + 2, Plaid = base + 4, and
// base + 3 and base + 5 for the scratch databases of tests/db/schema.test.ts, which take free ports
// instead while those are busy).
const portBase = Number(process.env.NESTFOLIO_TEST_PORT_BASE ?? 54331);
export const testPorts = {
  api: portBase, db: portBase + 1, web: portBase + 2, plaid: portBase + 4,
  scratch: [portBase + 3, portBase + 5] as [number, number],
};
const testState = join(stateDir, 'test');

/** `note` instead of counts: the suite did not run, and says why (shown as such in the summary). */
type SuiteResult = { suite: string; passed: number; failed: number; ok: boolean; note?: string };

const staticSuites = ['tsc', 'deno', 'spec'];
const stackSuites = ['pgtap', 'db', 'vitest'];

function exec(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (b: Buffer) => { out += b.toString(); process.stdout.write(b); };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

async function pgtap(dbUrl: string): Promise<SuiteResult> {
  const u = new URL(dbUrl);
  const r = await exec('pg_prove', ['--ext', '.sql', '-r', 'supabase/tests'], {
    PGHOST: u.hostname, PGPORT: u.port, PGUSER: u.username, PGPASSWORD: u.password, PGDATABASE: 'postgres',
  });
  const total = Number(r.out.match(/Tests=(\d+)/)?.[1] ?? 0);
  const failed = [...r.out.matchAll(/Failed (\d+)\/\d+ subtests/g)].reduce((n, m) => n + Number(m[1]), 0);
  return { suite: 'pgTAP', passed: total - failed, failed: r.code === 0 ? failed : Math.max(failed, 1), ok: r.code === 0 };
}

/** `tsc -b`: every project of tsconfig.json (functions, functions host, web, local, tests, bench). */
async function typecheck(): Promise<SuiteResult> {
  const r = await exec(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', '--pretty', 'false']);
  const errors = r.out.match(/error TS\d+/g)?.length ?? 0;
  const ok = r.code === 0;
  return { suite: 'tsc -b (every project)', passed: ok ? 1 : 0, failed: ok ? 0 : Math.max(errors, 1), ok };
}

/** The emulator's extract of Plaid's spec is what the spec generates today; only where the spec is at
 *  hand (the repository does not need it), else the summary says it was not checked. */
function specExtract(): SuiteResult {
  const suite = 'Plaid spec extract is current';
  const spec = specAtHand();
  if (!spec.present) return { suite, passed: 0, failed: 0, ok: true, note: `not checked: spec not present at ${spec.path} (set PLAID_OPENAPI_SPEC)` };
  const r = checkExtract(spec.path);
  console.log(`  ${r.message}`);
  return { suite, passed: r.current ? 1 : 0, failed: r.current ? 0 : 1, ok: r.current };
}

async function denoChecks(): Promise<SuiteResult> {
  const deno = join(binDir, 'deno');
  const entries = ['supabase/functions', 'local/functions-host'];
  const check = await exec(deno, ['check', '--config', 'deno.json', ...entries]);
  const lint = await exec(deno, ['lint', '--config', 'deno.json', ...entries]);
  const ok = check.code === 0 && lint.code === 0;
  return { suite: 'deno check + lint', passed: (check.code === 0 ? 1 : 0) + (lint.code === 0 ? 1 : 0), failed: ok ? 0 : 2 - Number(check.code === 0) - Number(lint.code === 0), ok };
}

/** `supabase db advisors` and `db lint`, once each; every finding for our schemas fails. */
function dbChecks(dbUrl: string): SuiteResult {
  const suite = 'supabase db advisors + lint';
  try {
    const checks = runDbChecks(dbUrl);
    for (const c of checks) {
      console.log(`  ${c.name}: ${c.failures.length ? `${c.failures.length} finding(s) for our schemas` : 'nothing for our schemas'}`);
      for (const f of c.failures) console.log(`    FAIL ${f}`);
      for (const n of c.notes) console.log(`    note ${n}`);
    }
    const failed = checks.reduce((n, c) => n + c.failures.length, 0);
    return { suite, passed: checks.filter((c) => c.failures.length === 0).length, failed, ok: failed === 0 };
  } catch (e) {
    console.log(`  ${e instanceof Error ? e.message : String(e)}`);
    return { suite, passed: 0, failed: 1, ok: false };
  }
}

type VitestReport = { testResults: Array<{ name: string; assertionResults: Array<{ status: string }> }> };

/** One vitest run (the product's project first, then the stand-ins': vitest.config.ts), one line each. */
async function vitest(env: Record<string, string>, extra: string[]): Promise<SuiteResult[]> {
  const report = join(testState, 'vitest.json');
  if (existsSync(report)) writeFileSync(report, '');
  // Under this Node (24), whatever `node` is first on PATH: vitest 5 needs Node >= 22.
  const r = await exec(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], env);
  const counts: Record<VitestProject, { passed: number; failed: number }> = { product: { passed: 0, failed: 0 }, 'stand-ins': { passed: 0, failed: 0 } };
  let parsed = false;
  try {
    const j = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
    for (const file of j.testResults) {
      const c = counts[projectOf(relative(repoRoot, file.name))];
      for (const t of file.assertionResults) if (t.status === 'passed') c.passed++; else if (t.status === 'failed') c.failed++;
    }
    parsed = true;
  } catch { /* no report: vitest itself failed (the reason is in its output above) */ }
  const results = (['product', 'stand-ins'] as const).map((p) => ({ suite: `vitest ${p}`, ...counts[p], ok: counts[p].failed === 0 }));
  // A failure outside any test (a file that does not load, an error in a hook) fails the run too.
  if (r.code !== 0 && results.every((x) => x.ok)) results.push({ suite: `vitest (${parsed ? 'failed outside a test: see its output' : 'no report'})`, passed: 0, failed: 1, ok: false });
  return results;
}

/** Every function response and every log line of the run must be free of tokens and secrets. */
function secretScan(files: string[], secrets: string[]): SuiteResult {
  const hits: string[] = [];
  let lines = 0;
  for (const file of files.filter((f) => existsSync(f))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      // The emulator's own log is Plaid's side of the wire, not ours.
      if (line.startsWith('[plaid-emulator]')) continue;
      lines++;
      for (const s of secrets) if (s && line.includes(s)) hits.push(`${file}: …${s.slice(0, 14)}…`);
      if (/\baccess-(sandbox|production|development)-[0-9a-f]{8}-/.test(line)) hits.push(`${file}: an access token`);
    }
  }
  for (const h of hits.slice(0, 20)) console.log(`  secret leak: ${h}`);
  console.log(`  secret scan: ${lines} lines of responses and logs, ${secrets.length} known secrets, ${hits.length} hits`);
  return { suite: 'secret scan (responses + logs)', passed: hits.length === 0 ? 1 : 0, failed: hits.length === 0 ? 0 : 1, ok: hits.length === 0 };
}

export async function runAllTests(args: string[]): Promise<number> {
  const only = args.find((a) => a.startsWith('--only='))?.slice(7);
  if (only && ![...staticSuites, ...stackSuites].includes(only)) {
    console.error(`--only=${only}: expected one of ${[...staticSuites, ...stackSuites].join(', ')}`);
    return 2;
  }
  const runs = (suite: string) => !only || only === suite;
  const vitestArgs = args.filter((a) => !a.startsWith('--only='));
  const started = Date.now();
  const results: SuiteResult[] = [];
  if (runs('tsc')) results.push(await typecheck());
  if (runs('deno')) results.push(await denoChecks());
  if (runs('spec')) results.push(specExtract());
  if (stackSuites.some(runs)) results.push(...await stackTests(only, vitestArgs));
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log('\n' + results.map((r) => `  ${r.note ? '--  ' : r.ok ? 'ok  ' : 'FAIL'} ${r.suite}: ${r.note ?? `${r.passed} passed, ${r.failed} failed`}`).join('\n'));
  console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s; stack log: ${join(testState, 'stack.log')})`);
  console.log(`${passed} passed, ${failed} failed`);
  return results.every((r) => r.ok) ? 0 : 1;
}

/** The suites that run against a fresh test stack. */
async function stackTests(only: string | undefined, vitestArgs: string[]): Promise<SuiteResult[]> {
  // The browser tests drive Debian's Chromium (playwright-core never downloads a browser here).
  if (!only || only === 'vitest') ensureDebianPackages(['chromium'], ['/usr/bin/chromium']);
  mkdirSync(testState, { recursive: true });
  const stackLog = join(testState, 'stack.log');
  writeFileSync(stackLog, '');
  writeFileSync(join(testState, 'responses.ndjson'), '');
  const stack = await startStack({
    stateDir: testState, ports: testPorts, fresh: true, fast: true,
    plaid: process.env.NESTFOLIO_PLAID === 'off' ? 'off' : 'emulator',
    // Plaid's behaviour with its timings compressed: transactions ready after 0.3 s (history after 0.6 s),
    // webhook retries from 0.2 s, held-back webhooks overtaken within 0.5 s. One webhook in ten is
    // duplicated and one in ten held back (a run sends about 60), so every run exercises the product's
    // idempotency and ordering; rate limits are Plaid's Sandbox ones.
    plaidEmulator: { transactionsReadyDelayMs: 300, webhookRetryBaseMs: 200, webhookReorderDelayMs: 500, webhookDuplicateRate: 0.1, webhookReorderRate: 0.1 },
    // Fault tests hang Plaid calls: a short timeout and quick retries keep them fast.
    functionSecrets: { PLAID_TIMEOUT_MS: '1500', PLAID_RETRY_BASE_DELAY_MS: '20', PLAID_RETRY_MAX_DELAY_MS: '100' },
    // The browser tests use the production bundle, refreshing every 2 s so they wait less.
    web: !only || only === 'vitest' ? { mode: 'static', refreshSeconds: 2 } : undefined,
    log: (line) => appendFileSync(stackLog, `${line}\n`),
  });
  const env: Record<string, string> = {
    NESTFOLIO_TEST_STATE: testState,
    NESTFOLIO_TEST_API_URL: stack.apiUrl,
    NESTFOLIO_TEST_DB_URL: stack.dbUrl,
    NESTFOLIO_TEST_ADMIN_DB_URL: stack.cluster.adminUrl,
    NESTFOLIO_TEST_PLAID_URL: stack.plaidUrl ?? '',
    NESTFOLIO_TEST_STACK_LOG: stackLog,
    NESTFOLIO_TEST_WEB_URL: stack.webUrl ?? '',
    NESTFOLIO_TEST_PLAID_REDIRECT_URI: stack.env.PLAID_REDIRECT_URI ?? '',
  };
  const results: SuiteResult[] = [];
  try {
    if (!only || only === 'pgtap') results.push(await pgtap(stack.dbUrl));
    if (!only || only === 'db') results.push(dbChecks(stack.dbUrl));
    if (!only || only === 'vitest') {
      results.push(...await vitest(env, vitestArgs));
      results.push(secretScan([join(testState, 'responses.ndjson'), stackLog, join(testState, 'functions.log')], stack.issuedSecrets()));
    }
  } finally {
    await stack.stop();
  }
  return results;
}
