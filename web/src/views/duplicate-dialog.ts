// Link found accounts Nestfolio already has (Plaid's duplicate-Item guidance: check before exchanging).
// The user chooses: add only the accounts that are new (when there are any), reconnect the existing
// connection (Link update mode), or connect nothing. Resolves with the choice; closing is "cancel".
import { h, uid } from '../dom.ts';
import type { LinkCheck } from '../types.ts';
import { openFormDialog } from './dialog.ts';

export type DuplicateChoice = 'skip' | 'reconnect' | 'cancel';

export function chooseForDuplicate(bank: string, check: LinkCheck): Promise<DuplicateChoice> {
  const fresh = check.accounts.filter((a) => !a.connected);
  const name = uid('duplicate');
  const choice = (value: DuplicateChoice, label: string, hint: string, checked: boolean) => {
    const id = uid('choice');
    return h('div', { class: 'choice' },
      h('input', { type: 'radio', name, id, value, checked, 'aria-describedby': `${id}-hint` }),
      h('label', { for: id }, label), h('p', { class: 'hint', id: `${id}-hint` }, hint));
  };
  const describe = (a: LinkCheck['accounts'][number]) => `${a.name ?? 'Account'}${a.mask ? ` ••${a.mask}` : ''}`;
  return new Promise((resolve) => {
    let chosen: DuplicateChoice = 'cancel';
    const dialog = openFormDialog({
      title: `${bank} is already connected`,
      intro: h('div', {},
        h('p', {}, `Nestfolio already has ${fresh.length ? 'some of these accounts' : 'these accounts'} from ${bank}. Connecting them twice would count their balances and transactions twice.`),
        h('ul', { class: 'duplicate-accounts', 'data-testid': 'duplicate-accounts' }, ...check.accounts.map((a) =>
          h('li', {}, `${describe(a)}: `, h('strong', {}, a.connected ? 'already in Nestfolio' : 'new'))))),
      fields: [h('fieldset', {}, h('legend', {}, 'What would you like to do?'),
        fresh.length ? choice('skip', `Add only the new account${fresh.length === 1 ? '' : 's'} (${fresh.map(describe).join(', ')})`,
          'The accounts already in Nestfolio keep updating through the existing connection.', true) : null,
        choice('reconnect', 'Reconnect the existing connection', `Sign in to ${bank} again, for example if it stopped updating.`, !fresh.length))],
      submitLabel: 'Continue',
      onSubmit: async (form) => { chosen = (form.elements.namedItem(name) as RadioNodeList).value as DuplicateChoice; },
    });
    dialog.addEventListener('close', () => resolve(chosen));
  });
}
