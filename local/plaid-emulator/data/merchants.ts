// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// A small catalogue of merchants with Plaid's personal_finance_category taxonomy, legacy categories,
// logos and counterparties, used to generate realistic transactions.

export type Merchant = {
  key: string;
  name: string; // transaction `name`
  merchant: string | null; // merchant_name
  raw: string; // original_description
  website: string | null;
  pfc: [string, string]; // [primary, detailed]
  category: string[];
  category_id: string;
  channel: 'online' | 'in store' | 'other';
  code: string | null; // transaction_code
  min: number;
  max: number;
  weight: number;
  account: 'card' | 'checking' | 'savings';
  counterparty: 'merchant' | 'financial_institution' | 'payment_app' | 'marketplace' | 'income_source' | null;
};

const m = (key: string, name: string, merchant: string | null, raw: string, website: string | null, pfc: [string, string], category: string[], category_id: string, channel: Merchant['channel'], min: number, max: number, weight: number, account: Merchant['account'] = 'card', counterparty: Merchant['counterparty'] = 'merchant', code: string | null = null): Merchant => ({
  key, name, merchant, raw, website, pfc, category, category_id, channel, code, min, max, weight, account, counterparty,
});

export const MERCHANTS: Merchant[] = [
  m('starbucks', 'Starbucks', 'Starbucks', 'STARBUCKS STORE 08832 SEATTLE WA', 'starbucks.com', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE'], ['Food and Drink', 'Restaurants', 'Coffee Shop'], '13005043', 'in store', 3.25, 9.8, 9),
  m('mcdonalds', "McDonald's", "McDonald's", "MCDONALD'S F2837 OAKLAND CA", 'mcdonalds.com', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD'], ['Food and Drink', 'Restaurants', 'Fast Food'], '13005032', 'in store', 4.5, 18.9, 6),
  m('chipotle', 'Chipotle Mexican Grill', 'Chipotle Mexican Grill', 'CHIPOTLE 1849 SAN FRANCISCO CA', 'chipotle.com', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD'], ['Food and Drink', 'Restaurants', 'Fast Food'], '13005032', 'in store', 9.5, 26.4, 4),
  m('sweetgreen', 'Sweetgreen', 'Sweetgreen', 'SWEETGREEN MISSION SF', 'sweetgreen.com', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_RESTAURANT'], ['Food and Drink', 'Restaurants'], '13005000', 'in store', 12, 24, 3),
  m('doordash', 'DoorDash', 'DoorDash', 'DD *DOORDASH BURGERJOINT', 'doordash.com', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_RESTAURANT'], ['Service', 'Food and Beverage'], '18021000', 'online', 18, 64, 5, 'card', 'marketplace'),
  m('wholefoods', 'Whole Foods Market', 'Whole Foods Market', 'WHOLEFDS SFO 10236 SAN FRANCISCO CA', 'wholefoodsmarket.com', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], ['Shops', 'Supermarkets and Groceries'], '19047000', 'in store', 22, 180, 7),
  m('trader_joes', "Trader Joe's", "Trader Joe's", "TRADER JOE'S #236 QPS BERKELEY CA", 'traderjoes.com', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], ['Shops', 'Supermarkets and Groceries'], '19047000', 'in store', 18, 140, 6),
  m('uber', 'Uber 063015 SF**POOL**', 'Uber', 'UBER 063015 SF**POOL**', 'uber.com', ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES'], ['Travel', 'Taxi'], '22016000', 'online', 5.4, 48, 6),
  m('lyft', 'Lyft', 'Lyft', 'LYFT *RIDE SUN 4PM', 'lyft.com', ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES'], ['Travel', 'Taxi'], '22016000', 'online', 6.2, 39, 3),
  m('shell', 'Shell', 'Shell', 'SHELL OIL 57444212407 OAKLAND CA', 'shell.com', ['TRANSPORTATION', 'TRANSPORTATION_GAS'], ['Travel', 'Gas Stations'], '22009000', 'in store', 25, 78, 4),
  m('amazon', 'Amazon', 'Amazon', 'AMAZON MKTPL*2K4LP0RT3 AMZN.COM/BILL WA', 'amazon.com', ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_ONLINE_MARKETPLACES'], ['Shops', 'Digital Purchase'], '19013000', 'online', 8, 240, 8, 'card', 'marketplace'),
  m('target', 'Target', 'Target', 'TARGET 00019323 EMERYVILLE CA', 'target.com', ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_SUPERSTORES'], ['Shops', 'Department Stores'], '19012000', 'in store', 12, 210, 5),
  m('apple', 'Apple', 'Apple', 'APPLE.COM/BILL 866-712-7753 CA', 'apple.com', ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_ELECTRONICS'], ['Shops', 'Computers and Electronics'], '19013000', 'online', 0.99, 14.99, 3),
  m('netflix', 'Netflix', 'Netflix', 'NETFLIX.COM 866-579-7172 CA', 'netflix.com', ['ENTERTAINMENT', 'ENTERTAINMENT_TV_AND_MOVIES'], ['Service', 'Subscription'], '18061000', 'online', 15.49, 15.49, 1),
  m('spotify', 'Spotify', 'Spotify', 'SPOTIFY USA 877-7781161 NY', 'spotify.com', ['ENTERTAINMENT', 'ENTERTAINMENT_MUSIC_AND_AUDIO'], ['Service', 'Subscription'], '18061000', 'online', 10.99, 10.99, 1),
  m('amc', 'AMC Theatres', 'AMC Theatres', 'AMC METREON 16 #2469 SAN FRANCISCO CA', 'amctheatres.com', ['ENTERTAINMENT', 'ENTERTAINMENT_TV_AND_MOVIES'], ['Recreation', 'Arts and Entertainment', 'Movie Theatres'], '17001014', 'in store', 13, 42, 1),
  m('united', 'United Airlines', 'United Airlines', 'UNITED 0162398756431 UNITED.COM TX', 'united.com', ['TRAVEL', 'TRAVEL_FLIGHTS'], ['Travel', 'Airlines and Aviation Services'], '22001000', 'online', 120, 640, 1),
  m('marriott', 'Marriott', 'Marriott', 'MARRIOTT SF MARQUIS SAN FRANCISCO CA', 'marriott.com', ['TRAVEL', 'TRAVEL_LODGING'], ['Travel', 'Lodging', 'Hotels and Motels'], '22012003', 'in store', 160, 520, 1),
  m('cvs', 'CVS Pharmacy', 'CVS Pharmacy', 'CVS/PHARMACY #09123 OAKLAND CA', 'cvs.com', ['MEDICAL', 'MEDICAL_PHARMACIES_AND_SUPPLEMENTS'], ['Shops', 'Pharmacies'], '19043000', 'in store', 6, 64, 3),
  m('equinox', 'Equinox', 'Equinox', 'EQUINOX SPORTS CLUB SF', 'equinox.com', ['PERSONAL_CARE', 'PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS'], ['Recreation', 'Gyms and Fitness Centers'], '17018000', 'online', 210, 210, 1),
  m('pge', 'PG&E', 'PG&E', 'PGANDE WEB ONLINE', 'pge.com', ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_GAS_AND_ELECTRICITY'], ['Service', 'Utilities', 'Gas'], '18068002', 'online', 48, 190, 1, 'checking'),
  m('verizon', 'Verizon Wireless', 'Verizon Wireless', 'VZWRLSS*APOCC VISB', 'verizon.com', ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_TELEPHONE'], ['Service', 'Telecommunication Services'], '18063000', 'online', 65, 92, 1, 'checking'),
  m('atm_fee', 'ATM Fee', null, 'NON-CHASE ATM FEE-WITH', null, ['BANK_FEES', 'BANK_FEES_ATM_FEES'], ['Bank Fees', 'ATM'], '10001000', 'other', 2.5, 3.5, 1, 'checking', null, 'bank charge'),
  m('venmo', 'Venmo', 'Venmo', 'VENMO PAYMENT 1023789341', 'venmo.com', ['TRANSFER_OUT', 'TRANSFER_OUT_ACCOUNT_TRANSFER'], ['Transfer', 'Third Party', 'Venmo'], '21010001', 'other', 10, 120, 3, 'checking', 'payment_app', 'transfer'),
  m('savings_xfer', 'Transfer to Savings', null, 'ONLINE TRANSFER TO SAV XXXXX1111', null, ['TRANSFER_OUT', 'TRANSFER_OUT_SAVINGS'], ['Transfer', 'Savings'], '21001000', 'other', 50, 500, 1, 'savings', null, 'transfer'),
  m('interest', 'Interest Payment', null, 'INTEREST PAYMENT', null, ['INCOME', 'INCOME_INTEREST_EARNED'], ['Interest', 'Interest Earned'], '15001000', 'other', -4.8, -0.12, 1, 'savings', null, 'interest'),
];

/** Special, scheduled entries (not picked at random). */
export const PAYROLL = m('payroll', 'Gusto Payroll', 'Gusto', 'GUSTO PAY 123456 PPD ID: 9876543210', 'gusto.com', ['INCOME', 'INCOME_WAGES'], ['Transfer', 'Payroll'], '21009000', 'other', -2850, -2850, 0, 'checking', 'income_source', 'direct debit');
export const RENT = m('rent', 'Rent Payment - Parkview Apartments', null, 'PARKVIEW APTS WEB PMTS', null, ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_RENT'], ['Payment', 'Rent'], '16002000', 'other', 2150, 2150, 0, 'checking', null, 'bill payment');
export const CARD_PAYMENT = m('card_payment', 'Credit Card Payment', null, 'AUTOPAY PAYMENT - THANK YOU', null, ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], ['Payment', 'Credit Card'], '16001000', 'other', 300, 900, 0, 'checking', null, 'payment');
export const STUDENT_PAYMENT = m('student_payment', 'Navient Student Loan Payment', 'Navient', 'NAVIENT PAYMENT WEB', 'navient.com', ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT'], ['Payment', 'Loan'], '16003000', 'other', 210, 210, 0, 'checking', 'financial_institution', 'payment');

const TOTAL_WEIGHT = MERCHANTS.reduce((s, x) => s + x.weight, 0);

/** Weighted pick by a uniform float in [0,1). */
export function pickMerchant(u: number): Merchant {
  let r = u * TOTAL_WEIGHT;
  for (const x of MERCHANTS) {
    r -= x.weight;
    if (r < 0) return x;
  }
  return MERCHANTS[MERCHANTS.length - 1];
}

export const MERCHANT_BY_KEY = new Map([...MERCHANTS, PAYROLL, RENT, CARD_PAYMENT, STUDENT_PAYMENT].map((x) => [x.key, x]));

export const STORE_LOCATIONS = [
  { address: '300 Post St', city: 'San Francisco', region: 'CA', postal_code: '94108', lat: 37.7881, lon: -122.4075 },
  { address: '1 Broadway', city: 'Oakland', region: 'CA', postal_code: '94607', lat: 37.7983, lon: -122.2765 },
  { address: '2150 Shattuck Ave', city: 'Berkeley', region: 'CA', postal_code: '94704', lat: 37.8699, lon: -122.2679 },
  { address: '5959 Shellmound St', city: 'Emeryville', region: 'CA', postal_code: '94608', lat: 37.8353, lon: -122.2930 },
];
