export type Product = 'transactions' | 'liabilities' | 'investments';
export type Trigger = 'initial' | 'webhook' | 'manual' | 'cron' | 'retry' | 'follow_up';
export const products: readonly Product[] = ['transactions', 'liabilities', 'investments'];
export const triggers: readonly Trigger[] = ['initial', 'webhook', 'manual', 'cron', 'retry', 'follow_up'];

/** What private.claim_sync hands a run. */
export type Claim = {
  lease_id: string;
  run_id: string;
  user_id: string;
  cursor: string | null;
  loop_start_cursor: string | null;
  has_more: boolean;
  initial_sync_done: boolean;
  /** From Vault, with the lease; never logged or returned. */
  access_token: string | null;
};

/** What is left of the invocation's budgets, shared by its passes (time on the invocation's clock). */
/** An invocation's budget: pages start until `deadline` (by `now`); every Plaid call ends by
 *  `callDeadline` (wall clock, epoch ms), so the invocation stays inside Supabase's 150 s. */
export type Budget = { deadline: number; now: () => number; pagesLeft: number; callDeadline: number };

/** Nothing more may start in this invocation: what is left goes to a follow-up. */
export const budgetSpent = (b: Budget): boolean => b.pagesLeft <= 0 || b.now() > b.deadline;

export type ProductResult = { outcome: 'succeeded' | 'continued'; pages: number };

export type RunSummary = {
  item_id: string;
  product: Product;
  run_id: string | null;
  outcome: 'succeeded' | 'continued' | 'failed' | 'superseded' | 'coalesced';
  pages: number;
  error_code?: string;
};
