// Modal forms on the native <dialog>: showModal() traps focus and Escape closes it; focus goes back
// to the control that opened it. The dialog stays open while its request runs and shows any error
// inside it (role="alert"), so nothing the user typed is lost.
import { h, uid, type Child } from '../dom.ts';

export type FormDialog = {
  title: string;
  intro?: Child;
  fields: Child[];
  submitLabel: string;
  danger?: boolean;
  /** Runs the request; throws to show an error (its message) and keep the dialog open. */
  onSubmit(form: HTMLFormElement): Promise<void>;
  /** Checked before onSubmit: a message here is shown and nothing is sent. */
  validate?(form: HTMLFormElement): string | null;
};

/**
 * Where focus goes back when a dialog closes: the opener, or — when what the dialog did redrew the
 * opener's row or card (an edit, a close) — the button of the same name in that row or card, or the
 * row itself; only when that is gone too (a deleted account), the page heading.
 */
function focusTarget(opener: HTMLElement | null, home: HTMLElement | null, label: string): HTMLElement | null {
  if (opener?.isConnected) return opener;
  if (home?.isConnected) {
    return [...home.querySelectorAll<HTMLElement>('button, summary')].find((b) => b.textContent === label)
      ?? home.querySelector<HTMLElement>('summary, button');
  }
  return document.querySelector<HTMLElement>('main h1');
}

export function openFormDialog(d: FormDialog): HTMLDialogElement {
  const opener = document.activeElement as HTMLElement | null;
  // Rows and cards keep their element across redraws (keyed by id): the opener's place to come back to.
  const home = opener?.closest<HTMLElement>('[data-account-id], [data-testid="connection"]') ?? null;
  const label = opener?.textContent ?? '';
  const titleId = uid('dialog-title');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: d.danger ? 'danger' : 'primary' }, d.submitLabel);
  const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => { dialog.close(); end(); } }, 'Cancel');
  const form = h('form', { novalidate: true }, ...d.fields, error, h('div', { class: 'dialog-actions' }, cancel, submit));
  let busy = false;
  // While the request runs, Escape and Cancel wait for it: closing now would lose its outcome (an
  // error would land in a dialog nobody sees).
  cancel.addEventListener('click', (e) => { if (busy) e.stopImmediatePropagation(); }, { capture: true });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const problem = d.validate?.(form) ?? null;
    if (problem) { error.textContent = problem; return; }
    submit.disabled = true;
    busy = true;
    cancel.setAttribute('aria-disabled', 'true');
    form.setAttribute('aria-busy', 'true');
    try {
      await d.onSubmit(form);
      dialog.close();
      end();
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      busy = false;
      cancel.removeAttribute('aria-disabled');
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  const dialog = h('dialog', { 'aria-labelledby': titleId, class: 'dialog' },
    h('h2', { id: titleId }, d.title), d.intro ? h('div', { class: 'dialog-intro' }, d.intro) : null, form);
  dialog.addEventListener('cancel', (e) => { if (busy) e.preventDefault(); });
  // Gone and focus back at once: the close event comes a task later, and the browser meanwhile puts
  // focus on the page when the opener was redrawn. Our own close() calls end() right away.
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    dialog.remove();
    focusTarget(opener, home, label)?.focus();
  };
  dialog.addEventListener('close', end);
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A labelled input with an optional hint, wired for screen readers. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  const id = input.id || uid('field');
  input.id = id;
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl);
}
