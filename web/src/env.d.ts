/// <reference types="vite/client" />
interface ImportMetaEnv {
  readonly VITE_SUPABASE_URL: string;
  readonly VITE_SUPABASE_PUBLISHABLE_KEY: string;
  readonly VITE_PLAID_LINK_SCRIPT_URL?: string;
  readonly VITE_REFRESH_INTERVAL_SECONDS?: string;
  readonly VITE_LOCAL_SESSION_URL?: string;
}
