// Stands in for: the hosted project's API keys and Supabase Auth's asymmetric signing key.
// Generated once per state folder: an ES256 JWT signing key (published as a JWKS like
// /auth/v1/.well-known/jwks.json), one sb_publishable_ and one sb_secret_ key in the platform's format,
// the Vault root key (kept in a file, never in the database) and the local Plaid emulator credentials.
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { createHash, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { join } from 'node:path';
import type { SigningJwk } from './jwt.ts';

export type LocalKeys = {
  publishableKey: string;
  secretKey: string;
  signingJwk: SigningJwk;
  jwks: { keys: Array<SigningJwk & { use: 'sig' }> };
  plaidClientId: string;
  plaidSecret: string;
};

/** `sb_<kind>_` + 22 random base64url characters + `_` + an 8-character checksum, as the platform's keys. */
function apiKey(kind: 'publishable' | 'secret'): string {
  const body = randomBytes(16).toString('base64url');
  const check = createHash('sha256').update(`${kind}${body}`).digest('base64url').slice(0, 8);
  return `sb_${kind}_${body}_${check}`;
}

export function vaultKeyPath(stateDir: string): string { return join(stateDir, 'vault-root.key'); }

export async function ensureKeys(stateDir: string): Promise<LocalKeys> {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'keys.json');
  if (!existsSync(vaultKeyPath(stateDir))) writeFileSync(vaultKeyPath(stateDir), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalKeys;

  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const kid = randomUUID();
  const priv = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
  const pub = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
  const keys: LocalKeys = {
    publishableKey: apiKey('publishable'),
    secretKey: apiKey('secret'),
    signingJwk: { ...priv, kid, alg: 'ES256' },
    jwks: { keys: [{ kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y, kid, alg: 'ES256', use: 'sig', key_ops: ['verify'] }] },
    plaidClientId: `local${randomBytes(10).toString('hex')}`,
    plaidSecret: randomBytes(15).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return keys;
}
