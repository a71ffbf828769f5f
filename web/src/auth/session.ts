// Where the signed-in user's access token comes from. The API client asks this for a token on every
// call (supabase-js `accessToken` option), so everything after sign-in is the same code path on
// hosted Supabase (Supabase Auth) and on the local stack (the local user's session).
export type SignedInUser = { email: string };

export interface AuthSource {
  /** Which sign-in this is, for the header ("Supabase Auth" or the local stack). */
  readonly kind: 'supabase' | 'local';
  /** The current access token, refreshed when needed; null when signed out. */
  accessToken(): Promise<string | null>;
  user(): SignedInUser | null;
  /** Calls back whenever the user signs in or out. */
  onChange(listener: () => void): void;
  signOut(): Promise<void>;
}
