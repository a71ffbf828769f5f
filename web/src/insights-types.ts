// Shapes of the insights functions' responses (docs/api.md). Money and rates are decimal strings.
export type Range = '1M' | '3M' | '1Y' | 'ALL';
export const RANGES: Array<{ range: Range; label: string; name: string }> = [
  { range: '1M', label: '1M', name: 'one month' }, { range: '3M', label: '3M', name: 'three months' },
  { range: '1Y', label: '1Y', name: 'one year' }, { range: 'ALL', label: 'All', name: 'all history' },
];

export type Kind = 'cash' | 'credit' | 'loan' | 'investment' | 'other';
export const KIND_LABELS: Record<Kind, string> = { cash: 'Cash', credit: 'Credit cards', loan: 'Loans', investment: 'Investments', other: 'Other' };

export type NetWorthAccount = {
  account_id: string; label: string; type: string; subtype: string | null; source: 'manual' | 'plaid'; kind: Kind; kind_rank: number;
  is_liability: boolean; currency: string | null; balance: string | null; available_credit: string | null; utilization: string | null;
  credit_limit: string | null; item_id: string | null; institution_name: string | null; hidden: boolean; exclude_from_totals: boolean;
  in_totals: boolean; balance_updated_at: string | null;
  /** The UTC day a manual account was closed: it counts in totals until then, not after. */
  closed_on: string | null;
};
export type Totals = { currency: string; assets: string; liabilities: string; net_worth: string; accounts: number };
export type HistoryPoint = { date: string; assets: string; liabilities: string; net_worth: string; estimated: boolean };
export type NetWorth = {
  totals: Totals[];
  kinds: Array<Totals & { kind: Kind }>;
  institutions: Array<Totals & { institution_id: string | null; institution_name: string | null }>;
  accounts: NetWorthAccount[];
  history?: { range: Range; from: string; to: string; series: Array<{ currency: string; points: HistoryPoint[] }> };
};
export type AccountHistory = {
  account: NetWorthAccount; range: Range; from: string; to: string;
  points: Array<{ date: string; balance: string; currency: string | null; estimated: boolean }>; estimated_until: string | null;
};

export type Keyset = { date: string; id: string };
export type ExplorerFilters = {
  query?: string; account_ids?: string[]; from?: string; to?: string; categories?: string[];
  status?: 'all' | 'pending' | 'posted'; direction?: 'in' | 'out'; min_amount?: string; max_amount?: string;
};
export type ExplorerTransaction = {
  id: string; account_id: string; account_label: string; date: string; authorized_date: string | null; name: string;
  merchant_name: string | null; amount: string; currency: string | null; pending: boolean; was_pending: boolean;
  category: { primary: string; detailed: string | null; label: string; detailed_label: string | null } | null;
  logo_url: string | null; website: string | null; payment_channel: string | null;
};
export type ExplorerPage = {
  pending: ExplorerTransaction[] | null; pending_more: boolean; transactions: ExplorerTransaction[]; next: Keyset | null;
  categories?: Array<{ code: string; label: string }>;
};
export type Investments = {
  account: { account_id: string; label: string; type: string; currency: string | null; balance: string | null };
  holdings: Array<{ security_id: string; name: string | null; ticker: string | null; type: string | null; quantity: string; price: string;
    price_as_of: string | null; value: string; cost_basis: string | null; gain: string | null; gain_percent: string | null; currency: string | null }>;
  totals: Array<{ currency: string | null; value: string; cost_basis: string | null; gain: string | null; gain_percent: string | null;
    holdings: number; without_cost_basis: number }>;
  transactions: Array<{ id: string; date: string; name: string; type: string; subtype: string | null; ticker: string | null;
    quantity: string; price: string; amount: string; fees: string | null; currency: string | null }>;
  next: Keyset | null;
};
