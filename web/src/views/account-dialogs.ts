// Account dialogs: add or edit a manual account, rename or hide a synced one, link a synced account to
// a manual one. Each validates what it can before sending, and shows the server's message otherwise.
import type { AppContext } from '../context.ts';
import { h } from '../dom.ts';
import { errorMessage } from '../messages.ts';
import type { Account } from '../types.ts';
import { field, openFormDialog } from './dialog.ts';

const TYPES: Array<[string, string]> = [
  ['depository', 'Cash or bank account'], ['credit', 'Credit card'], ['loan', 'Loan or mortgage'],
  ['investment', 'Investment'], ['other', 'Other (property, vehicle, …)'],
];
const MONEY = /^-?\d{1,16}(\.\d{1,4})?$/;

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
  return [
    field('Account name', h('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off', value: a?.name ?? '' })),
    field('Type', type),
    field('Current balance', h('input', { name: 'balance', inputmode: 'decimal', autocomplete: 'off', value: a?.current_balance ?? '' }),
      'Optional. For example 1250.00; use a minus sign for money you owe on an asset account.'),
    field('Currency', h('input', { name: 'currency', maxlength: 3, autocapitalize: 'characters', autocomplete: 'off', value: a?.currency ?? 'USD' }),
      'Three-letter code, such as USD or EUR.'),
  ];
}

function validateManual(form: HTMLFormElement): string | null {
  if (!value(form, 'name')) return 'Enter a name for the account.';
  if (value(form, 'balance') && normalizeAmount(value(form, 'balance')) === null) return 'Enter the balance as a number, such as 1250.00.';
  if (!/^[A-Za-z]{3}$/.test(value(form, 'currency'))) return 'Enter a three-letter currency code, such as USD.';
  return null;
}

function manualPayload(form: HTMLFormElement) {
  const balance = value(form, 'balance');
  return {
    name: value(form, 'name'), type: value(form, 'type'), currency: value(form, 'currency').toUpperCase(),
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

export function linkToManual(ctx: AppContext, synced: Account, manual: Account[]): void {
  const select = h('select', { name: 'manual' }, ...manual.map((m) => h('option', { value: m.id }, m.label)));
  openFormDialog({
    title: `Link ${synced.label} to a manual account`,
    intro: h('p', {}, `The manual account you choose keeps its history and is updated by ${synced.institution_name ?? 'the bank'} from now on. `
      + `The transactions of "${synced.label}" move onto it, and "${synced.label}" disappears from the list.`),
    fields: [field('Manual account', select)],
    submitLabel: 'Link accounts',
    async onSubmit(form) {
      const target = manual.find((m) => m.id === value(form, 'manual'));
      try {
        await ctx.api.linkAccounts(synced.id, value(form, 'manual'));
        ctx.announce(`${target?.label ?? 'The manual account'} is now updated by ${synced.institution_name ?? 'the bank'}.`);
      } catch (e) { throw new Error(errorMessage(e, 'Linking the accounts')); }
      await ctx.store.refresh();
    },
  });
}
