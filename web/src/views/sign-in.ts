// Hosted sign-in with Supabase Auth: an email link (no password to keep). After following the link,
// supabase-js picks the session up from the URL and the app starts.
import { h, replaceChildren } from '../dom.ts';
import type { SupabaseAuthSource } from '../auth/supabase-auth.ts';
import { field } from './dialog.ts';

export function mountSignIn(root: HTMLElement, auth: SupabaseAuthSource): void {
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true });
  const status = h('p', { role: 'status' });
  const error = h('p', { role: 'alert', class: 'form-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Email me a sign-in link');
  const form = h('form', { novalidate: true }, field('Email address', email), submit, status, error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    if (!/^[^@\s]+@[^@\s]+$/.test(email.value.trim())) { error.textContent = 'Enter your email address, such as you@example.com.'; email.focus(); return; }
    submit.disabled = true;
    try {
      await auth.sendSignInLink(email.value.trim());
      status.textContent = `We sent a sign-in link to ${email.value.trim()}. Open it on this device to continue.`;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      // A network failure reads "Failed to fetch": say what it means.
      error.textContent = `Sending the link failed: ${/fetch/i.test(why) ? 'the sign-in service could not be reached. Check your connection and try again.' : why}`;
    } finally {
      submit.disabled = false;
    }
  });
  replaceChildren(root, h('main', { id: 'main', class: 'sign-in' },
    h('h1', {}, 'Sign in to Nestfolio'),
    h('p', { class: 'lead' }, 'Nestfolio keeps your bank accounts, balances and transactions in one place.'), form));
}
