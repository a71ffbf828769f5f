// Runs every test against a fresh, isolated local stack (its own state folder and ports, so a running
// dev stack is untouched): pgTAP through pg_prove, deno check + deno lint over the functions,
// `supabase db lint` and `db advisors` (findings listed), then vitest. Ends with one summary line.
//   npm test                      everything
//   npm test -- --only=vitest     one suite (vitest | pgtap | deno | db); extra args go to vitest
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack } from './stack.ts';
import { ensureDebianPackages } from './postgres.ts';
import { binDir, repoRoot, stateDir } from './paths.ts';

// Its own ports, so a dev stack (54321…) keeps running; a second checkout or agent can move the whole
// block with NESTFOLIO_TEST_PORT_BASE (API = base, DB = base + 1, Plaid = base + 4, web = base + 2).
const portBase = Number(process.env.NESTFOLIO_TEST_PORT_BASE ?? 54331);
export const testPorts = { api: portBase, db: portBase + 1, web: portBase + 2, plaid: portBase + 4 };
const testState = join(stateDir, 'test');

type SuiteResult = { suite: string; passed: number; failed: number; ok: boolean };

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

async function denoChecks(): Promise<SuiteResult> {
  const deno = join(binDir, 'deno');
  const entries = ['supabase/functions', 'local/functions-host'];
  const check = await exec(deno, ['check', '--config', 'deno.json', ...entries]);
  const lint = await exec(deno, ['lint', '--config', 'deno.json', ...entries]);
  const ok = check.code === 0 && lint.code === 0;
  return { suite: 'deno check + lint', passed: (check.code === 0 ? 1 : 0) + (lint.code === 0 ? 1 : 0), failed: ok ? 0 : 2 - Number(check.code === 0) - Number(lint.code === 0), ok };
}

async function dbChecks(dbUrl: string): Promise<SuiteResult> {
  const supabase = join(binDir, 'supabase');
  const lint = await exec(supabase, ['db', 'lint', `--remote=${dbUrl}`, '--schema', 'public', '--fail-on', 'error']);
  // Advisor findings are listed here; tests/db/advisors.test.ts fails on findings for our schema.
  const advisors = await exec(supabase, ['db', 'advisors', `--remote=${dbUrl}`, '--type', 'all']);
  const ok = lint.code === 0 && advisors.code === 0;
  return { suite: 'supabase db lint + advisors', passed: Number(lint.code === 0) + Number(advisors.code === 0), failed: 2 - Number(lint.code === 0) - Number(advisors.code === 0), ok };
}

async function vitest(env: Record<string, string>, extra: string[]): Promise<SuiteResult> {
  const report = join(testState, 'vitest.json');
  // Under this Node (24), whatever `node` is first on PATH: vitest 5 needs Node >= 22.
  const r = await exec(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], env);
  let passed = 0, failed = r.code === 0 ? 0 : 1;
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed = j.numPassedTests;
    failed = j.numFailedTests + (r.code !== 0 && j.numFailedTests === 0 ? 1 : 0);
  }
  return { suite: 'vitest', passed, failed, ok: r.code === 0 };
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
  const vitestArgs = args.filter((a) => !a.startsWith('--only='));
  const started = Date.now();
  // The browser tests drive Debian's Chromium (playwright-core never downloads a browser here).
  ensureDebianPackages(['chromium'], ['/usr/bin/chromium']);
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
  };
  const results: SuiteResult[] = [];
  try {
    if (!only || only === 'pgtap') results.push(await pgtap(stack.dbUrl));
    if (!only || only === 'deno') results.push(await denoChecks());
    if (!only || only === 'db') results.push(await dbChecks(stack.dbUrl));
    if (!only || only === 'vitest') {
      results.push(await vitest(env, vitestArgs));
      results.push(secretScan([join(testState, 'responses.ndjson'), stackLog, join(testState, 'functions.log')], stack.issuedSecrets()));
    }
  } finally {
    await stack.stop();
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log('\n' + results.map((r) => `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.suite}: ${r.passed} passed, ${r.failed} failed`).join('\n'));
  console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s; stack log: ${stackLog})`);
  console.log(`${passed} passed, ${failed} failed`);
  return results.every((r) => r.ok) ? 0 : 1;
}
