// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Liabilities for credit cards, mortgages and student loans, derived from the accounts' balances so the
// two agree (modelled on Plaid's sandbox user_good liabilities).
import { Rng } from '../rng.ts';
import type { Account } from './accounts.ts';
import { isoDate } from './transactions.ts';

export type Liabilities = { credit: Record<string, unknown>[]; mortgage: Record<string, unknown>[]; student: Record<string, unknown>[] };

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Next occurrence of day-of-month `dom` strictly after the anchor. */
function nextDom(anchorMs: number, dom: number): string {
  const d = new Date(anchorMs);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), dom);
  if (t <= anchorMs) t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, dom);
  return isoDate(t);
}
function lastDom(anchorMs: number, dom: number): string {
  const d = new Date(anchorMs);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), dom);
  if (t > anchorMs) t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, dom);
  return isoDate(t);
}

export function buildLiabilities(seed: number, itemKey: string, accounts: Account[], anchorMs: number): Liabilities {
  const out: Liabilities = { credit: [], mortgage: [], student: [] };
  const year = new Date(anchorMs).getUTCFullYear();
  for (const a of accounts) {
    const rng = Rng.of(seed, `${itemKey}:liab:${a.account_id}`);
    const bal = a.balances.current ?? 0;
    if (a.type === 'credit') {
      const apr = a.official_name?.match(/([\d.]+)% APR/)?.[1];
      const purchaseApr = apr ? Number(apr) : 15.24;
      out.credit.push({
        account_id: a.account_id,
        aprs: [
          { apr_percentage: purchaseApr, apr_type: 'purchase_apr', balance_subject_to_apr: bal, interest_charge_amount: round2((bal * purchaseApr) / 1200) },
          { apr_percentage: 27.95, apr_type: 'cash_apr', balance_subject_to_apr: 0, interest_charge_amount: 0 },
          { apr_percentage: 0, apr_type: 'balance_transfer_apr', balance_subject_to_apr: 0, interest_charge_amount: 0 },
        ],
        is_overdue: false,
        last_payment_amount: round2(rng.money(150, 600)),
        last_payment_date: lastDom(anchorMs, 20),
        last_statement_balance: round2(bal * 0.92),
        last_statement_issue_date: lastDom(anchorMs, 5),
        minimum_payment_amount: round2(Math.max(25, bal * 0.02)),
        next_payment_due_date: nextDom(anchorMs, 28),
      });
    } else if (a.subtype === 'mortgage') {
      const principal = 425000;
      out.mortgage.push({
        account_id: a.account_id,
        account_number: '3120194154',
        current_late_fee: 25,
        escrow_balance: 3141.54,
        has_pmi: true,
        has_prepayment_penalty: true,
        interest_rate: { percentage: 3.99, type: 'fixed' },
        last_payment_amount: 3141.54,
        last_payment_date: lastDom(anchorMs, 1),
        loan_term: '30 year',
        loan_type_description: 'conventional',
        maturity_date: `${year + 17}-07-31`,
        next_monthly_payment: 3141.54,
        next_payment_due_date: nextDom(anchorMs, 1),
        origination_date: `${year - 13}-07-29`,
        origination_principal_amount: principal,
        past_due_amount: 0,
        property_address: { city: 'Malakoff', country: 'US', postal_code: '14236', region: 'NY', street: '2992 Cameron Road' },
        ytd_interest_paid: round2(bal * 0.0399 * ((new Date(anchorMs).getUTCMonth() + 1) / 12)),
        ytd_principal_paid: round2(rng.money(8000, 14000)),
      });
    } else if (a.subtype === 'student') {
      out.student.push({
        account_id: a.account_id,
        account_number: '4277075694',
        disbursement_dates: [`${year - 10}-08-28`],
        expected_payoff_date: `${year + 8}-07-28`,
        guarantor: 'DEPT OF ED',
        interest_rate_percentage: 5.25,
        is_overdue: false,
        last_payment_amount: 210,
        last_payment_date: lastDom(anchorMs, 10),
        last_statement_balance: round2(bal * 1.002),
        last_statement_issue_date: lastDom(anchorMs, 3),
        loan_name: 'Consolidation',
        loan_status: { end_date: `${year + 8}-07-28`, type: 'repayment' },
        minimum_payment_amount: 210,
        next_payment_due_date: nextDom(anchorMs, 10),
        origination_date: `${year - 10}-08-28`,
        origination_principal_amount: 85000,
        outstanding_interest_amount: round2(bal * 0.012),
        payment_reference_number: '4277075694',
        pslf_status: { estimated_eligibility_date: `${year + 3}-01-01`, payments_made: 84, payments_remaining: 36 },
        repayment_plan: { description: 'Standard Repayment', type: 'standard' },
        sequence_number: '1',
        servicer_address: { city: 'San Matias', country: 'US', postal_code: '99415', region: 'CA', street: '123 Relaxation Road' },
        ytd_interest_paid: round2(rng.money(200, 900)),
        ytd_principal_paid: round2(rng.money(400, 1500)),
      });
    }
  }
  return out;
}

export function hasLiabilityAccounts(accounts: Account[]): boolean {
  return accounts.some((a) => a.type === 'credit' || a.subtype === 'mortgage' || a.subtype === 'student');
}

