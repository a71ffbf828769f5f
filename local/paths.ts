// Where the local stack keeps its state and which ports it uses. Ports follow `supabase start`
// (API 54321, DB 54322) so URLs in docs and tools look the same as with the real CLI.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const stateDir = process.env.NESTFOLIO_STATE_DIR ?? join(repoRoot, '.state');
export const binDir = join(repoRoot, 'node_modules', '.bin');

export const ports = {
  api: Number(process.env.NESTFOLIO_API_PORT ?? 54321),
  db: Number(process.env.NESTFOLIO_DB_PORT ?? 54322),
  web: Number(process.env.NESTFOLIO_WEB_PORT ?? 54323),
  plaid: Number(process.env.NESTFOLIO_PLAID_PORT ?? 54325),
};

export const pgBinDir = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/** Who the local web app signs in as (there is no Supabase Auth locally). */
export const localUserEmail = process.env.NESTFOLIO_LOCAL_USER ?? 'you@example.com';
