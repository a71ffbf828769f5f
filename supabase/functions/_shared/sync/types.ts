import type { Pacer } from './pace.ts';

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
  /** Pacing (pace.ts): the least time between this run's Plaid calls (0: none), and how long until its
   *  slot's next call may start. */
  pace_ms: number;
  wait_ms: number;
};

/** An invocation's budget, shared by its passes: pages start until `deadline` (by `now`, the
 *  invocation's clock); every Plaid call ends by `callDeadline` (wall clock, epoch ms), so the
 *  invocation stays inside Supabase's 150 s; `pace` spaces its Plaid calls (pace.ts). */
export type Budget = { deadline: number; now: () => number; pagesLeft: number; callDeadline: number; pace: Pacer };

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
