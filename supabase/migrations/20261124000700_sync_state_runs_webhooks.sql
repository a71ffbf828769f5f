-- Sync bookkeeping: the state of each (item, product) sync, a record of every sync run, and the log of
-- Plaid webhooks received. Written only by the Edge Functions; users read their own (for status UI).

create table public.plaid_sync_state (
  item_id uuid not null,
  product text not null check (product in ('transactions', 'liabilities', 'investments')),
  user_id uuid not null,
  -- The next_cursor of the last page whose data is committed: never ahead of the data.
  cursor text,
  -- The cursor at the start of the current pagination loop: on
  -- TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION the loop restarts from here (Plaid's rule).
  loop_start_cursor text,
  has_more boolean not null default false,
  last_synced_at timestamptz,
  -- A sync is wanted since requested_at (null = not requested).
  requested_at timestamptz,
  -- Requested again while a run held the lease: one more pass after it.
  rerun_requested boolean not null default false,
  running_since timestamptz,
  -- Fencing token of the run holding the lease: writes carrying another lease_id are rejected.
  lease_id uuid,
  lease_expires_at timestamptz,
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  last_error jsonb check (last_error is null or jsonb_typeof(last_error) = 'object'),
  last_error_at timestamptz,
  initial_sync_done boolean not null default false,
  -- Transactions stored so far (progress of the initial sync for the UI).
  transactions_total integer not null default 0 check (transactions_total >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (item_id, product),
  constraint plaid_sync_state_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint plaid_sync_state_lease_complete check ((lease_id is null) = (lease_expires_at is null))
);
create index plaid_sync_state_user_id_item_id_idx on public.plaid_sync_state (user_id, item_id);

comment on table public.plaid_sync_state is
  'Sync state per item and product: cursor (committed with its data), request/lease/retry bookkeeping, progress. Written by the sync.';

create trigger plaid_sync_state_set_updated_at
  before update on public.plaid_sync_state
  for each row execute function private.set_updated_at();


create table public.sync_runs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  item_id uuid not null,
  product text not null check (product in ('transactions', 'liabilities', 'investments')),
  trigger text not null check (trigger in ('initial', 'webhook', 'manual', 'cron', 'retry', 'follow_up')),
  lease_id uuid,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text not null default 'running'
    check (outcome in ('running', 'succeeded', 'failed', 'superseded', 'continued')),
  added integer not null default 0 check (added >= 0),
  modified integer not null default 0 check (modified >= 0),
  removed integer not null default 0 check (removed >= 0),
  pages integer not null default 0 check (pages >= 0),
  plaid_request_ids text[] not null default '{}',
  error_code text,
  error jsonb check (error is null or jsonb_typeof(error) = 'object'),
  constraint sync_runs_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint sync_runs_finished_after_start check (finished_at >= started_at),
  constraint sync_runs_finished_iff_done check ((outcome = 'running') = (finished_at is null))
);
create index sync_runs_user_id_item_id_started_at_idx on public.sync_runs (user_id, item_id, started_at desc);

comment on table public.sync_runs is
  'One row per sync run: trigger, timings, counts, Plaid request_ids, outcome. For the UI status and for support. Written by the sync.';


create table public.webhook_events (
  id uuid primary key default gen_random_uuid(),
  received_at timestamptz not null default now(),
  last_received_at timestamptz not null default now(),
  delivery_count integer not null default 1 check (delivery_count >= 1),
  -- SHA-256 (hex) of the raw body: the same delivery received twice is one row (delivery_count 2).
  body_sha256 text not null unique check (body_sha256 ~ '^[0-9a-f]{64}$'),
  webhook_type text not null,
  webhook_code text not null,
  plaid_item_id text,
  -- The item (and its owner) when known; cleared when the item is removed, the log row stays.
  item_id uuid,
  user_id uuid,
  payload jsonb not null check (jsonb_typeof(payload) = 'object'),
  processed_at timestamptz,
  outcome text not null default 'received' check (outcome in ('received', 'processed', 'ignored', 'failed')),
  error jsonb check (error is null or jsonb_typeof(error) = 'object'),
  constraint webhook_events_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) match full on delete set null
);
create index webhook_events_user_id_item_id_received_at_idx on public.webhook_events (user_id, item_id, received_at desc);

comment on table public.webhook_events is
  'Plaid webhooks received (after verification), one row per distinct body. Written by plaid-webhook; users read the metadata of their items'' events (not the payload).';

alter table public.plaid_sync_state enable row level security;
alter table public.sync_runs enable row level security;
alter table public.webhook_events enable row level security;

create policy "plaid_sync_state: owner reads"
  on public.plaid_sync_state for select to authenticated
  using ((select auth.uid()) = user_id);
create policy "sync_runs: owner reads"
  on public.sync_runs for select to authenticated
  using ((select auth.uid()) = user_id);
create policy "webhook_events: owner reads"
  on public.webhook_events for select to authenticated
  using ((select auth.uid()) = user_id);
