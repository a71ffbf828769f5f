// Shapes of the Edge Functions' responses the client uses (docs/api.md). Money is a decimal string.
export type ActionNeeded = null | 'reconnect' | 'new_accounts' | 'reconnect_required_revoked' | 'error';

export type Item = {
  id: string;
  institution_id: string | null;
  institution_name: string | null;
  status: string;
  error_code: string | null;
  error_display_message: string | null;
  new_accounts_available: boolean;
  consent_expires_at: string | null;
  last_synced_at: string | null;
  initial_sync_done: boolean;
  transactions_synced: number;
  sync_running: boolean;
  sync_in_progress: boolean;
  last_sync_error_code: string | null;
  last_sync_error_display_message: string | null;
  /** A failed sync waits for its retry until then (not in progress meanwhile). */
  sync_retry_at: string | null;
  account_count: number;
  action_needed: ActionNeeded;
  /** Records from the bank that could not be stored as sent (set aside; the rest was stored). */
  records_quarantined: number;
  created_at: string;
  last_balance_refresh_at: string | null;
  balance_refresh_available_at: string | null;
  /** What the last successful transactions sync changed (null: none yet). */
  last_sync_finished_at: string | null;
  last_sync_added: number;
  last_sync_modified: number;
  last_sync_removed: number;
  /** The last successful sync was the first: the import of the history. */
  last_sync_was_import: boolean;
  /** Plaid's logo of the institution (base64 PNG) and its colour, when Plaid has them. */
  logo: string | null;
  primary_color: string | null;
};

export type Account = {
  id: string;
  name: string;
  display_name: string | null;
  label: string;
  type: string;
  subtype: string | null;
  current_balance: string | null;
  available_balance: string | null;
  credit_limit: string | null;
  currency: string | null;
  unofficial_currency_code: string | null;
  source: 'manual' | 'plaid';
  hidden: boolean;
  balance_updated_at: string | null;
  mask: string | null;
  item_id: string | null;
  /** The connection's bank; for an account kept after its connection was removed, the bank it came from. */
  institution_name: string | null;
  exclude_from_totals: boolean;
  closed_at: string | null;
  /** Linked to a manual account, and the link can be undone (accounts-link, action unlink). */
  link_undoable: boolean;
};

export type Liability = {
  account_id: string;
  kind: 'credit' | 'mortgage' | 'student';
  last_statement_balance: string | null;
  minimum_payment_amount: string | null;
  next_payment_due_date: string | null;
  last_payment_amount: string | null;
  last_payment_date: string | null;
  interest_rate_percentage: string | null;
  is_overdue: boolean | null;
  past_due_amount: string | null;
};

export type Holdings = {
  account_id: string;
  total_value: string;
  currency: string | null;
  positions: Array<{ ticker: string | null; name: string | null; quantity: string; value: string }>;
};

export type Overview = { items: Item[]; accounts: Account[]; liabilities: Liability[]; holdings: Holdings[] };

export type Transaction = {
  id: string;
  account_id: string;
  date: string;
  name: string;
  merchant_name: string | null;
  amount: string;
  currency: string | null;
  pending: boolean;
  category: string | null;
};

export type TransactionsPage = { transactions: Transaction[]; next: { date: string; id: string } | null };

export type LinkMetadata = {
  institution: { institution_id: string; name: string } | null;
  accounts: Array<{ id: string; name: string; mask: string | null; type: string; subtype: string | null }>;
  link_session_id?: string;
};

/** plaid-link-check: what connecting Link's accounts would do, before exchanging. */
export type LinkCheck = {
  result: 'new' | 'duplicate' | 'replaces_revoked';
  item: { id: string; institution_name: string | null; status: string } | null;
  accounts: Array<{ id: string; name: string | null; mask: string | null; connected: boolean }>;
};
