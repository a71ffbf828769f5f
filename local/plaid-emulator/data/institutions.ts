// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Plaid's Sandbox-only institutions (plaid.com/docs/sandbox/institutions) with the products they offer.
import { logoPng } from './logo.ts';

export type InstitutionDef = {
  institution_id: string;
  name: string;
  products: string[];
  country_codes: string[];
  routing_numbers: string[];
  oauth: boolean;
  url: string | null;
  primary_color: string | null;
  /** Whether Plaid has a logo for it (Institution.logo; null for most Sandbox institutions). */
  logo: boolean;
  /** Emulator behaviour at login: null = normal. */
  failure: null | 'INSTITUTION_DOWN' | 'INSTITUTION_NOT_RESPONDING' | 'INSTITUTION_NO_LONGER_SUPPORTED';
};

const ALL_US = ['assets', 'auth', 'balance', 'credit_details', 'identity', 'income', 'income_verification', 'investments', 'liabilities', 'recurring_transactions', 'signal', 'statements', 'transactions', 'transactions_refresh'];
const BANKING = ['auth', 'balance', 'identity', 'signal', 'transactions', 'transactions_refresh', 'recurring_transactions'];
const UK = ['auth', 'balance', 'identity', 'payment_initiation', 'transactions'];

function ins(institution_id: string, name: string, products: string[], extra: Partial<InstitutionDef> = {}): InstitutionDef {
  return {
    institution_id, name, products: [...products].sort(), country_codes: ['US'], routing_numbers: ['011401533', '021000021'],
    oauth: false, url: 'https://plaid.com', primary_color: '#1f1f1f', logo: false, failure: null, ...extra,
  };
}

export const INSTITUTIONS: InstitutionDef[] = [
  ins('ins_109508', 'First Platypus Bank', ALL_US, { primary_color: '#1f1f1f', logo: true }),
  ins('ins_130016', 'First Platypus Balance Bank', BANKING, { routing_numbers: ['011401533'] }),
  ins('ins_109509', 'First Gingham Credit Union', ALL_US, { primary_color: '#ba2d2d', routing_numbers: ['011000138'] }),
  ins('ins_109510', 'Tattersall Federal Credit Union', ALL_US, { primary_color: '#0a4f2b', routing_numbers: ['011000206'] }),
  ins('ins_109511', 'Tartan Bank', ALL_US, { primary_color: '#3a0ca3', routing_numbers: ['011000390'], logo: true }),
  ins('ins_109512', 'Houndstooth Bank', BANKING, { primary_color: '#444444', routing_numbers: ['011000536'] }),
  ins('ins_43', 'Tartan-Dominion Bank of Canada', ['auth', 'balance', 'identity', 'investments', 'liabilities', 'transactions'], { country_codes: ['CA'], routing_numbers: [] }),
  ins('ins_116834', 'Flexible Platypus Open Banking', UK, { country_codes: ['GB'], oauth: true, routing_numbers: [] }),
  ins('ins_117650', 'Royal Bank of Plaid', UK, { country_codes: ['GB'], oauth: true, routing_numbers: [] }),
  ins('ins_127287', 'Platypus OAuth Bank', ALL_US, { oauth: true }),
  ins('ins_132241', 'First Platypus OAuth App2App Bank', ALL_US, { oauth: true }),
  ins('ins_117181', 'Flexible Platypus Open Banking (QR Code Authentication)', UK, { country_codes: ['GB'], oauth: true, routing_numbers: [] }),
  ins('ins_135858', 'Windowpane Bank', BANKING, { primary_color: '#7ab8e0' }),
  ins('ins_132363', 'Unhealthy Platypus Bank - Degraded', ALL_US, { failure: 'INSTITUTION_NOT_RESPONDING' }),
  ins('ins_132361', 'Unhealthy Platypus Bank - Down', ALL_US, { failure: 'INSTITUTION_DOWN' }),
  ins('ins_133402', 'Unsupported Platypus Bank - Institution Not Supported', ALL_US, { failure: 'INSTITUTION_NO_LONGER_SUPPORTED' }),
];

const LOGOS = new Map<string, string>();
const logoOf = (id: string, color: string) => LOGOS.get(id) ?? LOGOS.set(id, logoPng(color)).get(id)!;

const BY_ID = new Map(INSTITUTIONS.map((i) => [i.institution_id, i]));

export function institutionById(id: string): InstitutionDef | undefined {
  return BY_ID.get(id);
}

/** The public Institution object as /institutions/get_by_id returns it. */
export function institutionJson(def: InstitutionDef, opts: { include_optional_metadata?: boolean; include_auth_metadata?: boolean } = {}) {
  const out: Record<string, unknown> = {
    country_codes: def.country_codes,
    institution_id: def.institution_id,
    name: def.name,
    oauth: def.oauth,
    products: def.products,
    routing_numbers: def.routing_numbers,
    dtc_numbers: [],
  };
  if (opts.include_optional_metadata) {
    out.logo = def.logo && def.primary_color ? logoOf(def.institution_id, def.primary_color) : null;
    out.primary_color = def.primary_color;
    out.url = def.url;
  }
  if (opts.include_auth_metadata) {
    out.auth_metadata = { supported_methods: { instant_auth: true, instant_match: def.institution_id === 'ins_109512', automated_micro_deposits: def.institution_id === 'ins_109512', instant_micro_deposits: false } };
  }
  return out;
}

/** Products a (non-balance) product list needs from an institution; `balance` is never a Link product. */
export function supportsAll(def: InstitutionDef, products: string[]): boolean {
  return products.every((p) => def.products.includes(p));
}
