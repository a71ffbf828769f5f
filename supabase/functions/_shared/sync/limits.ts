// How much one invocation may do before it hands over to a follow-up invocation, so a long history
// stays inside the Edge Function limits (2 s CPU, 150 s wall clock, 256 MB): one page of 500 is in
// memory at a time, and an invocation stops after a page budget or a time budget, whichever comes
// first; both are the invocation's, shared by all its passes (engine.ts).
import { z } from 'zod';
import type { Env } from '../function.ts';

const schema = z.object({
  SYNC_MAX_PAGES_PER_RUN: z.coerce.number().int().min(1).default(40),
  SYNC_TIME_BUDGET_MS: z.coerce.number().int().min(1000).default(100_000),
  SYNC_LEASE_SECONDS: z.coerce.number().int().min(30).default(180),
  SYNC_MAX_PASSES: z.coerce.number().int().min(1).default(5),
  SYNC_MAX_PAGINATION_RESTARTS: z.coerce.number().int().min(0).default(5),
});

export type SyncLimits = {
  maxPagesPerRun: number;
  timeBudgetMs: number;
  leaseSeconds: number;
  maxPasses: number;
  maxPaginationRestarts: number;
};

export function syncLimitsFrom(env: Env): SyncLimits {
  const e = schema.parse(env);
  return {
    maxPagesPerRun: e.SYNC_MAX_PAGES_PER_RUN, timeBudgetMs: e.SYNC_TIME_BUDGET_MS, leaseSeconds: e.SYNC_LEASE_SECONDS,
    maxPasses: e.SYNC_MAX_PASSES, maxPaginationRestarts: e.SYNC_MAX_PAGINATION_RESTARTS,
  };
}
