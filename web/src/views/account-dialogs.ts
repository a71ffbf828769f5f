// Account dialogs: add, edit, close or delete a manual account, rename or hide a synced one, leave an
// account out of totals, link a synced account to a manual one and undo that. Each validates what it
// can before sending, and shows the server's message otherwise.
import type { AppContext } from '../context.ts';
import { CURRENCIES, currencyLabel } from '../currencies.ts';
import { h, uid } from '../dom.ts';
import { humanize, money } from '../format.ts';
import { errorMessage } from '../messages.ts';
import type { Account } from '../types.ts';
import { field, openFormDialog } from './dialog.ts';

const TYPES: Array<[string, string]> = [
  ['depository', 'Cash or bank account'], ['credit', 'Credit card'], ['loan', 'Loan or mortgage'],
  ['investment', 'Investment'], ['other', 'Other (property, vehicle, …)'],
];
const MONEY = /^-?\d{1,16}(\.\d{1,4})?$/;
// An account's kind as net worth counts it: what decides which accounts may be linked (as the server does).
const KIND: Record<string, string> = { depository: 'cash', credit: 'credit', loan: 'loan', investment: 'investment', brokerage: 'investment' };
const kindOf = (a: Account) => KIND[a.type] ?? 'other';
const KIND_WORDS: Record<string, string> = { cash: 'cash or bank account', credit: 'credit card', loan: 'loan', investment: 'investment', other: 'other' };

/** What the account is, in the words its owner chose (a manual account) or the bank's (a synced one). */
export function kindLabel(a: Account): string {
  if (a.source === 'manual' && !a.subtype) return (TYPES.find(([v]) => v === a.type)?.[1] ?? humanize(a.type)).replace(/ \(.*\)$/, '');
  return humanize(a.subtype ?? a.type);
}

/** A stored amount ("-1250.5000") as a person writes it in a form: "-1,250.50" (exact: string work only). */
export function amountForInput(amount: string | null): string {
  if (amount === null) return '';
  const [whole, fraction = ''] = amount.replace(/^-/, '').split('.');
  const cents = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${amount.startsWith('-') ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

function value(form: HTMLFormElement, name: string): string {
  return ((form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null)?.value ?? '').trim();
}

/** "1,250.5" or "1250.50" → "1250.50"; null when it is not an amount. */
function normalizeAmount(raw: string): string | null {
  const s = raw.replace(/[\s,]/g, '').replace(/^\+/, '');
  return MONEY.test(s) ? s : null;
}

function manualFields(a?: Account) {
  const type = h('select', { name: 'type' }, ...TYPES.map(([v, label]) => h('option', { value: v, selected: (a?.type ?? 'depository') === v }, label)));
  // ISO 4217's list (the server checks the same); a code kept from before that is not on it stays choosable.
  const current = a?.currency ?? 'USD';
  const codes = CURRENCIES.includes(current) ? CURRENCIES : [current, ...CURRENCIES];
  const currency = h('select', { name: 'currency' }, ...codes.map((c) => h('option', { value: c, selected: c === current }, currencyLabel(c))));
  return [
    field('Account name', h('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off', value: a?.name ?? '' })),
    field('Type', type),
    field('Current balance', h('input', { name: 'balance', inputmode: 'decimal', autocomplete: 'off', value: amountForInput(a?.current_balance ?? null) }),
      'Optional, in the currency below. For example 1,250.00; use a minus sign for money you owe on an asset account.'),
    field('Currency', currency),
  ];
}

function validateManual(form: HTMLFormElement): string | null {
  if (!value(form, 'name')) return 'Enter a name for the account.';
  if (value(form, 'balance') && normalizeAmount(value(form, 'balance')) === null) return 'Enter the balance as a number, such as 1,250.00.';
  return null;
}

function manualPayload(form: HTMLFormElement) {
  const balance = value(form, 'balance');
  return {
    name: value(form, 'name'), type: value(form, 'type'), currency: value(form, 'currency'),
    current_balance: balance ? normalizeAmount(balance)! : null,
  };
}

export function addManualAccount(ctx: AppContext): void {
  openFormDialog({
    title: 'Add a manual account',
    intro: h('p', {}, 'Track cash, property or an account Plaid cannot connect. You update its balance yourself.'),
    fields: manualFields(),
    submitLabel: 'Add account',
    validate: validateManual,
    async onSubmit(form) {
      const { current_balance, ...rest } = manualPayload(form);
      try {
        const { account } = await ctx.api.createManualAccount({ ...rest, ...(current_balance ? { current_balance } : {}) });
        ctx.announce(`Added manual account ${account.label}.`);
      } catch (e) { throw new Error(errorMessage(e, 'Adding the account')); }
      await ctx.store.refresh();
    },
  });
}

export function editManualAccount(ctx: AppContext, a: Account): void {
  openFormDialog({
    title: `Edit ${a.label}`,
    fields: manualFields(a),
    submitLabel: 'Save changes',
    validate: validateManual,
    async onSubmit(form) {
      try {
        await ctx.api.updateAccount(a.id, manualPayload(form));
        ctx.announce(`Saved ${value(form, 'name')}.`);
      } catch (e) { throw new Error(errorMessage(e, 'Saving the account')); }
      await ctx.store.refresh();
    },
  });
}

export function renameSynced(ctx: AppContext, a: Account): void {
  openFormDialog({
    title: `Rename ${a.label}`,
    intro: h('p', {}, `Your bank calls this account "${a.name}". Leave the name empty to use that again.`),
    fields: [field('Name in Nestfolio', h('input', { name: 'display_name', maxlength: 200, autocomplete: 'off', value: a.display_name ?? '' }))],
    submitLabel: 'Save name',
    async onSubmit(form) {
      const name = value(form, 'display_name');
      try {
        await ctx.api.updateAccount(a.id, { display_name: name || null });
        ctx.announce(`Renamed to ${name || a.name}.`);
      } catch (e) { throw new Error(errorMessage(e, 'Renaming the account')); }
      await ctx.store.refresh();
    },
  });
}

export async function setHidden(ctx: AppContext, a: Account, hidden: boolean): Promise<void> {
  try {
    await ctx.api.updateAccount(a.id, { hidden });
    ctx.announce(hidden ? `${a.label} is hidden. Turn on "Show hidden accounts" to see it.` : `${a.label} is shown again.`);
    await ctx.store.refresh();
  } catch (e) {
    ctx.announce(errorMessage(e, hidden ? 'Hiding the account' : 'Showing the account'));
  }
}

/** The open manual accounts a synced account may be linked to: the same kind and currency (the server checks the same). */
export function linkableTo(synced: Account, manual: Account[]): Account[] {
  const currency = synced.currency ?? synced.unofficial_currency_code;
  return manual.filter((m) => !m.closed_at && kindOf(m) === kindOf(synced) && m.currency === currency);
}

export function linkToManual(ctx: AppContext, synced: Account, candidates: Account[]): void {
  const bank = synced.institution_name ?? 'the bank';
  // Nothing is chosen for the user: linking changes two accounts.
  const select = h('select', { name: 'manual', required: true },
    h('option', { value: '' }, 'Choose an account…'), ...candidates.map((m) => h('option', { value: m.id }, `${m.label} (${money(m.current_balance, m.currency)})`)));
  const effect = h('div', { class: 'callout tone-info', 'aria-live': 'polite', 'data-testid': 'link-effect' });
  const describe = () => {
    const m = candidates.find((c) => c.id === select.value);
    effect.hidden = !m;
    if (!m) return;
    effect.replaceChildren(h('p', {}, 'If you link them:'), h('ul', {},
      h('li', {}, `"${m.label}" keeps its own history and is updated by ${bank} from now on: its balance becomes ${bank}'s `
        + `${money(synced.current_balance, synced.currency ?? synced.unofficial_currency_code)} (now ${money(m.current_balance, m.currency)}).`),
      h('li', {}, `"${synced.label}" leaves the list: its transactions move onto "${m.label}", and its own balance history is set aside.`),
      h('li', {}, 'You can undo this with "Unlink" on the account: both accounts and both balance histories come back as they are now.')));
  };
  select.addEventListener('change', describe);
  describe();
  openFormDialog({
    title: `Link ${synced.label} to a manual account`,
    intro: h('p', {}, `Only your open manual accounts of the same kind (${KIND_WORDS[kindOf(synced)]}) in ${synced.currency ?? 'its currency'} can be linked.`),
    fields: [field('Manual account', select), effect],
    submitLabel: 'Link accounts',
    validate: (form) => value(form, 'manual') ? null : 'Choose the manual account to link.',
    async onSubmit(form) {
      const target = candidates.find((m) => m.id === value(form, 'manual'));
      try {
        await ctx.api.linkAccounts(synced.id, value(form, 'manual'));
        ctx.announce(`${target?.label ?? 'The manual account'} is now updated by ${bank}.`);
      } catch (e) { throw new Error(errorMessage(e, 'Linking the accounts')); }
      await ctx.store.refresh();
    },
  });
}

export function unlink(ctx: AppContext, a: Account): void {
  openFormDialog({
    title: `Unlink ${a.label}`,
    intro: h('div', {}, h('p', {}, 'This undoes the link:'), h('ul', {},
      h('li', {}, `The account ${a.institution_name ?? 'the bank'} updates comes back as a separate synced account, with its transactions, balance and balance history.`),
      h('li', {}, `"${a.label}" is the manual account it was before the link again: its name, balance and balance history as they were then.`))),
    fields: [],
    submitLabel: 'Unlink',
    async onSubmit() {
      try {
        await ctx.api.unlinkAccount(a.id);
        ctx.announce(`Unlinked: "${a.label}" is a manual account again.`);
      } catch (e) { throw new Error(errorMessage(e, 'Unlinking the account')); }
      await ctx.store.refresh();
    },
  });
}

export async function setInTotals(ctx: AppContext, a: Account, inTotals: boolean): Promise<void> {
  try {
    await ctx.api.updateAccount(a.id, { exclude_from_totals: !inTotals });
    ctx.announce(inTotals ? `${a.label} counts in your totals again.` : `${a.label} is left out of your totals. It is still listed.`);
    await ctx.store.refresh();
  } catch (e) {
    ctx.announce(errorMessage(e, inTotals ? 'Counting the account in totals' : 'Leaving the account out of totals'));
  }
}

export async function reopen(ctx: AppContext, a: Account): Promise<void> {
  try {
    await ctx.api.updateAccount(a.id, { closed: false });
    ctx.announce(`${a.label} is open again and counts in your totals.`);
    await ctx.store.refresh();
  } catch (e) {
    ctx.announce(errorMessage(e, 'Reopening the account'));
  }
}

/** Close (keep it and its history) or delete (it and its history): the user chooses, nothing is preselected. */
export function closeOrDelete(ctx: AppContext, a: Account): void {
  const option = (v: string, label: string, hint: string) => {
    const id = uid('choice');
    return h('div', { class: 'choice' }, h('input', { type: 'radio', name: 'choice', value: v, id, 'aria-describedby': `${id}-hint` }),
      h('label', { for: id }, label), h('span', { class: 'hint', id: `${id}-hint` }, hint));
  };
  openFormDialog({
    title: `Close or delete ${a.label}`,
    intro: h('p', {}, 'Do you want to keep this account\'s history?'),
    fields: [h('fieldset', { class: 'choices' },
      h('legend', {}, 'What happens to the account'),
      option('close', 'Close it and keep its history',
        'It stays in the list as closed, with its balance history; from today it no longer counts in your totals. You can reopen it.'),
      option('delete', 'Delete it and its history',
        'The account and its balance history are deleted for good; your past totals no longer include it. This cannot be undone.'))],
    submitLabel: 'Confirm',
    danger: true,
    validate: (form) => value(form, 'choice') ? null : 'Choose whether to close the account or delete it.',
    async onSubmit(form) {
      const choice = (form.elements.namedItem('choice') as RadioNodeList).value;
      try {
        if (choice === 'delete') {
          await ctx.api.deleteManualAccount(a.id);
          ctx.announce(`Deleted ${a.label} and its history.`);
        } else {
          await ctx.api.updateAccount(a.id, { closed: true });
          ctx.announce(`Closed ${a.label}. Its history is kept; it no longer counts in your totals.`);
        }
      } catch (e) { throw new Error(errorMessage(e, choice === 'delete' ? 'Deleting the account' : 'Closing the account')); }
      await ctx.store.refresh();
    },
  });
}
