// What the test runner (local/test-runner.ts) started for this run: URLs, keys, and helpers to mint
// sessions. Tests share the isolated test stack (tests/db/schema.test.ts alone adds two scratch clusters).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../../local/postgres.ts';
import { mintSession, type LocalSession } from '../../local/session.ts';
import type { LocalKeys } from '../../local/keys.ts';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with \`npm test\` (it starts the test stack)`);
  return v;
}

export const testStack = {
  get stateDir() { return need('NESTFOLIO_TEST_STATE'); },
  get apiUrl() { return need('NESTFOLIO_TEST_API_URL'); },
  get dbUrl() { return need('NESTFOLIO_TEST_DB_URL'); },
  get adminDbUrl() { return need('NESTFOLIO_TEST_ADMIN_DB_URL'); },
  get plaidUrl() { return need('NESTFOLIO_TEST_PLAID_URL'); },
  get stackLog() { return need('NESTFOLIO_TEST_STACK_LOG'); },
  get keys(): LocalKeys { return JSON.parse(readFileSync(join(this.stateDir, 'keys.json'), 'utf8')); },
  get cluster(): Cluster { return new Cluster({ dataDir: join(this.stateDir, 'db'), port: Number(new URL(this.dbUrl).port) }); },
  functionUrl(name: string): string { return `${this.apiUrl}/functions/v1/${name}`; },
};

let counter = 0;
/** A new local user with a signed access token; unique per call so parallel test files never collide. */
export async function newSession(label = 'user', opts: { expiresInSeconds?: number } = {}): Promise<LocalSession> {
  const email = `${label}-${process.pid}-${Date.now()}-${counter++}@test.local`;
  return await mintSession(testStack.cluster, testStack.keys, testStack.apiUrl, email, opts);
}
