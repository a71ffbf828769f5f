// Plaid's personal_finance_category taxonomy in words people use. Primary categories are named here;
// a detailed category is named after its primary's prefix is dropped ("FOOD_AND_DRINK_COFFEE" →
// "Coffee"), with the few where that reads badly spelled out. Codes Plaid adds later still get a name.
export const PRIMARY_CATEGORIES: Record<string, string> = {
  INCOME: 'Income',
  TRANSFER_IN: 'Transfers in',
  TRANSFER_OUT: 'Transfers out',
  LOAN_PAYMENTS: 'Loan payments',
  BANK_FEES: 'Bank fees',
  ENTERTAINMENT: 'Entertainment',
  FOOD_AND_DRINK: 'Food & drink',
  GENERAL_MERCHANDISE: 'Shopping',
  HOME_IMPROVEMENT: 'Home improvement',
  MEDICAL: 'Medical',
  PERSONAL_CARE: 'Personal care',
  GENERAL_SERVICES: 'Services',
  GOVERNMENT_AND_NON_PROFIT: 'Government & non-profit',
  TRANSPORTATION: 'Transportation',
  TRAVEL: 'Travel',
  RENT_AND_UTILITIES: 'Rent & utilities',
};

const DETAILED_NAMES: Record<string, string> = {
  FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR: 'Beer, wine & liquor',
  GENERAL_MERCHANDISE_ONLINE_MARKETPLACES: 'Online marketplaces',
  LOAN_PAYMENTS_CREDIT_CARD_PAYMENT: 'Credit card payment',
  RENT_AND_UTILITIES_GAS_AND_ELECTRICITY: 'Gas & electricity',
  TRANSPORTATION_TAXIS_AND_RIDE_SHARES: 'Taxis & ride shares',
  PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS: 'Gyms & fitness',
  MEDICAL_PHARMACIES_AND_SUPPLEMENTS: 'Pharmacies & supplements',
  INCOME_WAGES: 'Wages',
  TRANSFER_OUT_ACCOUNT_TRANSFER: 'Account transfer',
  TRANSFER_IN_ACCOUNT_TRANSFER: 'Account transfer',
};

const ACRONYMS = new Set(['atm', 'tv', 'ach']);

function words(code: string): string {
  const s = code.toLowerCase().split('_').filter(Boolean)
    .map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w === 'and' ? '&' : w)).join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function primaryLabel(code: string): string {
  return PRIMARY_CATEGORIES[code] ?? words(code);
}

export function detailedLabel(primary: string | null, detailed: string): string {
  if (DETAILED_NAMES[detailed]) return DETAILED_NAMES[detailed];
  const rest = primary && detailed.startsWith(`${primary}_`) ? detailed.slice(primary.length + 1) : detailed;
  return words(rest);
}

export type Category = { primary: string; detailed: string | null; label: string; detailed_label: string | null };

export function categoryOf(primary: string | null, detailed: string | null): Category | null {
  if (!primary) return null;
  return { primary, detailed, label: primaryLabel(primary), detailed_label: detailed ? detailedLabel(primary, detailed) : null };
}

/** The primary categories a user can filter by, named. */
export const categoryList = () => Object.entries(PRIMARY_CATEGORIES).map(([code, label]) => ({ code, label }));
