// Local stack only (never in a hosted build: main.ts loads this module only when
// VITE_LOCAL_SESSION_URL is set). There is no Supabase Auth server locally, so the local web server
// mints the local user's session through local/session.ts, the same token `npm run session` prints.
// The email can be switched (kept in localStorage) to try several users.
import type { AuthSource, SignedInUser } from './session.ts';

type LocalSession = { email: string; access_token: string; expires_at: number };
const EMAIL_KEY = 'nestfolio.localUser';

export function localSession(sessionUrl: string): AuthSource & { switchUser(email: string): Promise<void> } {
  let current: LocalSession | null = null;
  let pending: Promise<LocalSession> | null = null;
  const listeners: Array<() => void> = [];

  async function mint(): Promise<LocalSession> {
    const email = localStorage.getItem(EMAIL_KEY);
    const res = await fetch(sessionUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(email ? { email } : {}),
    });
    if (!res.ok) throw new Error(`The local stack could not sign you in (${res.status}): ${await res.text()}`);
    const s = (await res.json()) as LocalSession;
    const changed = s.email !== current?.email;
    current = s;
    if (changed) for (const l of listeners) l();
    return s;
  }

  return {
    kind: 'local',
    async accessToken() {
      // A minute of margin so a token never expires in flight.
      if (current && current.expires_at - 60 > Date.now() / 1000) return current.access_token;
      pending ??= mint().finally(() => { pending = null; });
      return (await pending).access_token;
    },
    user: (): SignedInUser | null => (current ? { email: current.email } : null),
    onChange: (l) => { listeners.push(l); },
    async signOut() {
      localStorage.removeItem(EMAIL_KEY);
      current = null;
      await mint();
    },
    async switchUser(email: string) {
      localStorage.setItem(EMAIL_KEY, email);
      current = null;
      await mint();
    },
  };
}
