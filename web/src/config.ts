// The client's configuration, fixed at build time from VITE_* variables (web/.env.example). Only
// publishable values belong here: everything in import.meta.env is shipped to the browser.
export type ClientConfig = {
  supabaseUrl: string;
  publishableKey: string;
  linkScriptUrl: string;
  refreshIntervalMs: number;
  /** Local stack only: the dev endpoint that mints the local user's session. */
  localSessionUrl: string | null;
};

const PLAID_CDN = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js';

export function readConfig(env: ImportMetaEnv = import.meta.env): ClientConfig {
  const missing = ['VITE_SUPABASE_URL', 'VITE_SUPABASE_PUBLISHABLE_KEY'].filter((k) => !env[k]);
  if (missing.length) throw new Error(`The web client was built without ${missing.join(' and ')} (see web/.env.example).`);
  const seconds = Number(env.VITE_REFRESH_INTERVAL_SECONDS ?? 15);
  return {
    supabaseUrl: env.VITE_SUPABASE_URL,
    publishableKey: env.VITE_SUPABASE_PUBLISHABLE_KEY,
    linkScriptUrl: env.VITE_PLAID_LINK_SCRIPT_URL || PLAID_CDN,
    refreshIntervalMs: (Number.isFinite(seconds) && seconds > 0 ? seconds : 15) * 1000,
    localSessionUrl: env.VITE_LOCAL_SESSION_URL || null,
  };
}
