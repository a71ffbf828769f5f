// Hosted sign-in: Supabase Auth with an email link (signInWithOtp). supabase-js keeps and refreshes
// the session; the API client takes the access token from here.
import { createClient, type Session } from '@supabase/supabase-js';
import type { ClientConfig } from '../config.ts';
import type { AuthSource } from './session.ts';

export type SupabaseAuthSource = AuthSource & { sendSignInLink(email: string): Promise<void> };

export async function supabaseAuth(config: ClientConfig): Promise<SupabaseAuthSource> {
  const client = createClient(config.supabaseUrl, config.publishableKey, {
    auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: true, flowType: 'pkce' },
  });
  let session: Session | null = (await client.auth.getSession()).data.session;
  const listeners: Array<() => void> = [];
  client.auth.onAuthStateChange((_event, next) => {
    session = next;
    for (const l of listeners) l();
  });
  return {
    kind: 'supabase',
    async accessToken() {
      return (await client.auth.getSession()).data.session?.access_token ?? null;
    },
    user: () => (session?.user.email ? { email: session.user.email } : null),
    onChange: (l) => { listeners.push(l); },
    async signOut() { await client.auth.signOut(); },
    async sendSignInLink(email: string) {
      const { error } = await client.auth.signInWithOtp({ email, options: { emailRedirectTo: window.location.origin } });
      if (error) throw new Error(error.message);
    },
  };
}
