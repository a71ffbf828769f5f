// "Delete all my bank data": a dialog that says exactly what goes (every connection, at Nestfolio and at
// Plaid, and every account with its history) and asks the user to type "delete" before anything is sent.
import type { AppContext } from '../context.ts';
import { h } from '../dom.ts';
import { errorMessage } from '../messages.ts';
import { field, openFormDialog } from './dialog.ts';

export function deleteAllBankData(ctx: AppContext): void {
  const input = h('input', { name: 'confirm', type: 'text', autocomplete: 'off', required: true });
  openFormDialog({
    title: 'Delete all your bank data?',
    intro: h('div', {},
      h('p', {}, 'Every bank connection is removed from Nestfolio and from Plaid (banks stop sharing data with Nestfolio), and every account, manual ones included, is deleted with all its transactions, holdings and loan details.'),
      h('p', {}, h('strong', {}, 'This cannot be undone.'), ' Your sign-in stays, so you can start again.')),
    fields: [field('Type delete to confirm', input)],
    submitLabel: 'Delete all my bank data',
    danger: true,
    validate: (f) => ((f.elements.namedItem('confirm') as HTMLInputElement).value.trim().toLowerCase() === 'delete' ? null : 'Type delete to confirm.'),
    onSubmit: async () => {
      try {
        const res = await ctx.api.deleteAllBankData();
        const { connections, accounts, transactions } = res.deleted;
        ctx.announce(`Deleted ${connections} connection${connections === 1 ? '' : 's'}, ${accounts} account${accounts === 1 ? '' : 's'} and ${transactions} transaction${transactions === 1 ? '' : 's'}.${
          res.removal_pending ? ' Plaid is still being told to stop sharing data; Nestfolio keeps trying until it has.' : ''}`);
      } catch (e) { throw new Error(errorMessage(e, 'Deleting your bank data')); }
      await ctx.store.refresh();
    },
  });
}
