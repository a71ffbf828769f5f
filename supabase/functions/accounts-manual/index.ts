// POST { action: "create", name, type, subtype?, current_balance?, currency? } → 201 { account }: a
// manual account. POST { action: "update", account_id, ...fields } → { account }: edit a manual
// account (closed: true closes it, false reopens it), or rename/hide a synced one (display_name,
// hidden, exclude_from_totals). POST { action: "delete", account_id } → { deleted }: a manual account
// and its history. Money is a decimal string, never a float; currencies are ISO 4217 (checked in SQL).
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { HttpError, readJson } from '../_shared/http.ts';
import { accountTypes, createManualAccount, deleteManualAccount, updateAccount } from '../_shared/accounts/manual.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const money = z.string().regex(/^-?\d{1,16}(\.\d{1,4})?$/, 'must be a decimal string such as "1250.00"');
const fields = {
  name: text(200),
  display_name: text(200).nullable(),
  type: z.enum(accountTypes),
  subtype: text(100).nullable(),
  current_balance: money.nullable(),
  // The shape here; the database checks the code against ISO 4217's list ("ABC" is refused there).
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"'),
  hidden: z.boolean(),
  closed: z.boolean(),
  exclude_from_totals: z.boolean(),
};
const body = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('create'), name: fields.name, type: fields.type, subtype: fields.subtype.optional(),
    current_balance: fields.current_balance.optional(), currency: fields.currency.optional() }),
  z.strictObject({ action: z.literal('update'), account_id: z.uuid(), name: fields.name.optional(),
    display_name: fields.display_name.optional(), type: fields.type.optional(), subtype: fields.subtype.optional(),
    current_balance: fields.current_balance.optional(), currency: fields.currency.optional(), hidden: fields.hidden.optional(),
    exclude_from_totals: fields.exclude_from_totals.optional(), closed: fields.closed.optional() }),
  z.strictObject({ action: z.literal('delete'), account_id: z.uuid() }),
]);

export default {
  fetch: userFunction('accounts-manual', Deno.env.toObject(), async (req, ctx) => {
    const input = await readJson(req, body);
    if (input.action === 'create') {
      const { action: _, ...create } = input;
      return Response.json(await createManualAccount(ctx, create), { status: 201 });
    }
    if (input.action === 'delete') return Response.json(await deleteManualAccount(ctx, input.account_id));
    const { action: _, account_id, ...patch } = input;
    if (Object.keys(patch).length === 0) throw new HttpError(400, 'INVALID_REQUEST', 'nothing to change: send at least one field');
    return Response.json(await updateAccount(ctx, account_id, patch));
  }),
};
