// Holdings (the full current set) and investment transactions (offset pagination, 500 a page).
// The first sync asks for two years of investment transactions; later ones the last 30 days.
import type { ServiceContext } from '../function.ts';
import type { Budget, Claim, ProductResult } from './types.ts';
import type { SyncLimits } from './limits.ts';

const day = 86_400_000;
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);

export async function syncInvestments(ctx: ServiceContext, itemId: string, token: string, claim: Claim, limits: SyncLimits, budget: Budget): Promise<ProductResult> {
  const plaid = ctx.plaid();
  await budget.pace.beforeCall();
  const holdings = await plaid.callRaw('/investments/holdings/get', { access_token: token }, { itemId, deadline: budget.callDeadline });
  await ctx.admin.query`select private.apply_holdings(${itemId}::uuid, ${claim.lease_id}::uuid, ${claim.run_id}::uuid, ${holdings.text}::jsonb, ${limits.leaseSeconds}::int)`;
  let pages = 1;
  const now = Date.now();
  const start = isoDate(now - (claim.initial_sync_done ? 30 : 730) * day);
  for (let offset = 0; ; ) {
    await budget.pace.beforeCall();
    const page = await plaid.callRaw('/investments/transactions/get', {
      access_token: token, start_date: start, end_date: isoDate(now), options: { count: 500, offset },
    }, { itemId, deadline: budget.callDeadline });
    await ctx.admin.query`select private.apply_investment_transactions(${itemId}::uuid, ${claim.lease_id}::uuid, ${claim.run_id}::uuid, ${page.text}::jsonb, ${limits.leaseSeconds}::int)`;
    pages++;
    offset += page.data.investment_transactions.length;
    if (page.data.investment_transactions.length === 0 || offset >= page.data.total_investment_transactions) break;
  }
  await ctx.admin.query`update public.plaid_sync_state set initial_sync_done = true where item_id = ${itemId}::uuid and product = 'investments'`;
  return { outcome: 'succeeded', pages };
}

export async function syncLiabilities(ctx: ServiceContext, itemId: string, token: string, claim: Claim, limits: SyncLimits, budget: Budget): Promise<ProductResult> {
  await budget.pace.beforeCall();
  const res = await ctx.plaid().callRaw('/liabilities/get', { access_token: token }, { itemId, deadline: budget.callDeadline });
  await ctx.admin.query`select private.apply_liabilities(${itemId}::uuid, ${claim.lease_id}::uuid, ${claim.run_id}::uuid, ${res.text}::jsonb, ${limits.leaseSeconds}::int)`;
  await ctx.admin.query`update public.plaid_sync_state set initial_sync_done = true where item_id = ${itemId}::uuid and product = 'liabilities'`;
  return { outcome: 'succeeded', pages: 1 };
}
