// The local stack's command line. `npm run dev` = `up`, `npm test` = `test`.
//   up                 start Postgres, migrations, pg_net worker, functions host, Plaid emulator and the
//                      web client on NESTFOLIO_WEB_PORT (Vite dev server, signed in as the local user)
//   session <email>    mint an access token for a local user (creates the user); the stack must be up
//   test               run every test against a fresh, isolated stack
//   gen-types          regenerate supabase/functions/_shared/database.types.ts
//   db-baseline        regenerate the baseline migration from supabase/schemas (before the first deploy only)
//   stop               stop a dev cluster left running
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { localUserEmail, ports, stateDir } from './paths.ts';
import { startStack } from './stack.ts';
import { Cluster } from './postgres.ts';
import { mintSession } from './session.ts';
import { runAllTests } from './test-runner.ts';
import { generateTypes } from './gen-types.ts';
import { writeBaseline } from './schema.ts';

const [command = 'up', ...args] = process.argv.slice(2);
const devDbDir = join(stateDir, 'db');

async function up(): Promise<void> {
  const real = Boolean(process.env.PLAID_CLIENT_ID && process.env.PLAID_SECRET);
  const stack = await startStack({ stateDir, ports, plaid: real ? 'real' : 'emulator', web: { mode: 'dev' } });
  console.log(`
Nestfolio local stack is up.
  Web app           ${stack.webUrl}   (open it in a browser; signed in as ${localUserEmail})
  API (functions)   ${stack.apiUrl}/functions/v1/<name>
  JWKS              ${stack.apiUrl}/auth/v1/.well-known/jwks.json
  Database          ${stack.dbUrl}
  Plaid             ${stack.plaidUrl ?? 'real Plaid sandbox (PLAID_CLIENT_ID/PLAID_SECRET set)'}
  Publishable key   ${stack.keys.publishableKey}
  Secret key        ${stack.keys.secretKey}   (server-side only)
  Sign in locally   npm run session -- you@example.com
Ctrl-C stops everything.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function session(email: string | undefined): Promise<void> {
  if (!email) throw new Error('usage: npm run session -- <email>');
  const cluster = new Cluster({ dataDir: devDbDir, port: ports.db });
  if (!cluster.isRunning()) throw new Error('the local stack is not running: start it with `npm run dev`');
  const keys = JSON.parse(readFileSync(join(stateDir, 'keys.json'), 'utf8'));
  console.log(JSON.stringify(await mintSession(cluster, keys, `http://127.0.0.1:${ports.api}`, email), null, 2));
}

try {
  if (command === 'up') await up();
  else if (command === 'session') await session(args[0]);
  else if (command === 'test') process.exitCode = await runAllTests(args);
  else if (command === 'gen-types') await generateTypes();
  else if (command === 'db-baseline') await writeBaseline(join(stateDir, 'baseline'), Number(process.env.NESTFOLIO_GEN_DB_PORT ?? 54342));
  else if (command === 'stop') new Cluster({ dataDir: devDbDir, port: ports.db }).stop();
  else throw new Error(`unknown command "${command}"`);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
}
