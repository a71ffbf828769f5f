// POST { metadata } (Link's onSuccess metadata, before exchanging) → what connecting these accounts
// would do: "new", "duplicate" (a live connection already feeds some or all of them: reconnect it, or
// exchange with duplicates: "skip" to add only the new ones) or "replaces_revoked" (connecting again
// restores a revoked connection with its history). Plaid's duplicate-Item guidance: check first.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { linkMetadata } from '../_shared/items/link-metadata.ts';

const body = z.strictObject({ metadata: linkMetadata });

export default {
  fetch: userFunction('plaid-link-check', Deno.env.toObject(), async (req, ctx) => {
    const { metadata } = await readJson(req, body);
    const [{ result }] = await ctx.admin.query<{ result: unknown }>`
      select private.check_link_accounts(${ctx.userId}::uuid, ${metadata.institution?.institution_id ?? null},
        ${JSON.stringify(metadata.accounts ?? [])}::jsonb) as result`;
    return Response.json(result);
  }),
};
