// Plaid's logo and colour of an institution (/institutions/get_by_id with include_optional_metadata),
// fetched once per institution after a connection is made and kept in private.institutions. In the
// background: a slow or failing call never holds up or fails connecting a bank; the page shows an
// initial until a logo is there (and when Plaid has none).
import type { CountryCode } from 'plaid';
import type { BaseContext } from '../function.ts';
import { appConfigFrom } from '../config.ts';

export async function cacheInstitution(ctx: BaseContext, institutionId: string): Promise<void> {
  const [known] = await ctx.admin.query<{ known: boolean }>`
    select true as known from private.institutions where institution_id = ${institutionId}`;
  if (known) return;
  const { text } = await ctx.plaid().callRaw('/institutions/get_by_id', {
    institution_id: institutionId,
    country_codes: appConfigFrom(ctx.env).PLAID_COUNTRY_CODES as CountryCode[],
    options: { include_optional_metadata: true },
  });
  // Plaid's JSON as received; the database keeps what can be stored as sent.
  await ctx.admin.query`select private.save_institution(${text}::jsonb -> 'institution')`;
}

/** Runs a task after the response (EdgeRuntime.waitUntil); its failure is logged, never thrown. */
export function inBackground(ctx: BaseContext, name: string, task: () => Promise<void>): void {
  const run = task().catch((e: unknown) => ctx.log.warn(`${name}_failed`, { message: e instanceof Error ? e.message : String(e) }));
  (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime?.waitUntil(run);
}
