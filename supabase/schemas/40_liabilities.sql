-- Liabilities (/liabilities/get): one row per credit, mortgage or student-loan account. The money and
-- date fields the UI shows are typed columns; the rest of Plaid's object (APRs, addresses, repayment
-- plan, servicer, escrow, ...) is kept in details.

create table public.liabilities (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  item_id uuid not null,
  account_id uuid not null unique,
  kind text not null check (kind in ('credit', 'mortgage', 'student')),
  -- credit: last_payment_amount; mortgage: last_payment_amount; student: last_payment_amount.
  last_payment_amount numeric(1000, 4),
  last_payment_date date,
  next_payment_due_date date,
  -- credit/student: minimum_payment_amount; mortgage: next_monthly_payment.
  minimum_payment_amount numeric(1000, 4),
  -- credit: last_statement_balance; student: last_statement_balance.
  last_statement_balance numeric(1000, 4),
  last_statement_issue_date date,
  is_overdue boolean,
  -- loans (mortgage, student)
  origination_date date,
  origination_principal_amount numeric(1000, 4),
  -- mortgage: interest_rate.percentage; student: interest_rate_percentage.
  interest_rate_percentage numeric(1000, 6),
  outstanding_interest_amount numeric(1000, 4),
  past_due_amount numeric(1000, 4),
  ytd_interest_paid numeric(1000, 4),
  ytd_principal_paid numeric(1000, 4),
  -- mortgage: maturity_date; student: expected_payoff_date.
  maturity_date date,
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint liabilities_item_fkey foreign key (user_id, item_id)
    references public.plaid_items (user_id, id) on delete cascade,
  constraint liabilities_account_fkey foreign key (user_id, account_id)
    references public.accounts (user_id, id) on delete cascade,
  constraint liabilities_money_not_nan check (
    last_payment_amount <> 'NaN' and minimum_payment_amount <> 'NaN' and last_statement_balance <> 'NaN'
    and origination_principal_amount <> 'NaN' and interest_rate_percentage <> 'NaN'
    and outstanding_interest_amount <> 'NaN' and past_due_amount <> 'NaN'
    and ytd_interest_paid <> 'NaN' and ytd_principal_paid <> 'NaN')
);
create index liabilities_user_id_item_id_idx on public.liabilities (user_id, item_id);
create index liabilities_user_id_account_id_idx on public.liabilities (user_id, account_id);

comment on table public.liabilities is
  'Credit card, mortgage and student loan details of an account (Plaid /liabilities/get). Written by the sync.';

create trigger liabilities_set_updated_at
  before update on public.liabilities
  for each row execute function private.set_updated_at();

alter table public.liabilities enable row level security;

create policy "liabilities: owner reads"
  on public.liabilities for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.liabilities from public, anon, authenticated, service_role;
grant select on public.liabilities to authenticated;
grant select, insert, update, delete on public.liabilities to service_role;
