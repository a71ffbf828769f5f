// The web client as deployed (`tsc -b` type-checks it): neither the bundle a hosted build produces nor the
// one the local stack serves contains a key, secret or token (sb_secret_ keys, Plaid secrets, access
// tokens, JWTs, private JWKs). The hosted build carries no local sign-in code.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildWebClient } from '../../local/web.ts';
import { emulator } from '../support/functions.ts';
import { testStack } from '../support/stack.ts';

const patterns: Array<[string, RegExp]> = [
  ['an sb_secret_ key', /sb_secret_[A-Za-z0-9_-]{16,}/],
  ['a Plaid access token', /access-(sandbox|development|production)-[0-9a-f]{8}-/],
  ['a JWT', /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./],
  ['a private JWK', /"d"\s*:\s*"[A-Za-z0-9_-]{20,}"/],
  ['a PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a Plaid secret setting', /PLAID[_-]SECRET/i],
];

async function knownSecrets(): Promise<Array<[string, string]>> {
  const keys = testStack.keys;
  const items = await emulator<{ items: Array<{ access_token: string }> }>('GET', '/items');
  return [
    ['the secret key', keys.secretKey], ['the Plaid secret', keys.plaidSecret], ['the Plaid client id', keys.plaidClientId],
    ['the JWT signing key', keys.signingJwk.d!],
    ['the Vault root key', readFileSync(join(testStack.stateDir, 'vault-root.key'), 'utf8').trim()],
    ...items.items.map((i): [string, string] => ['an issued access token', i.access_token]),
  ];
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

function scan(text: string, secrets: Array<[string, string]>): string[] {
  return [
    ...patterns.filter(([, re]) => re.test(text)).map(([what]) => what),
    ...secrets.filter(([, s]) => s && text.includes(s)).map(([what]) => what),
  ];
}

function scanBundle(dir: string, secrets: Array<[string, string]>): { files: number; bytes: number; hits: string[] } {
  const all = files(dir);
  let bytes = 0;
  const hits = all.flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    bytes += text.length;
    return scan(text, secrets).map((what) => `${f.slice(dir.length + 1)}: ${what}`);
  });
  return { files: all.length, bytes, hits };
}

describe('web bundle', () => {
  it('the scan finds a planted secret (so zero hits below means something)', async () => {
    const secrets = await knownSecrets();
    expect(scan(`const k = "${testStack.keys.secretKey}";`, secrets)).toContain('an sb_secret_ key');
    expect(scan('x="access-sandbox-0123abcd-ffff"', [])).toEqual(['a Plaid access token']);
    expect(scan('{"kty":"EC","d":"abcdefghijklmnopqrstuvwxyz"}', [])).toEqual(['a private JWK']);
  });

  it('a hosted build: no key, secret or token, and no local sign-in code', async () => {
    const envDir = mkdtempSync(join(tmpdir(), 'nestfolio-web-env-'));
    const outDir = mkdtempSync(join(tmpdir(), 'nestfolio-web-dist-'));
    writeFileSync(join(envDir, '.env'), [
      'VITE_SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co',
      `VITE_SUPABASE_PUBLISHABLE_KEY=${testStack.keys.publishableKey}`,
      '',
    ].join('\n'));
    await buildWebClient(outDir, envDir, join(testStack.stateDir, 'vite-cache-hosted'));
    const result = scanBundle(outDir, await knownSecrets());
    expect(result.hits).toEqual([]);
    const js = files(outDir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(f, 'utf8')).join('\n');
    // It did read the real bundle: the configuration and the app are in it.
    expect(js).toContain(testStack.keys.publishableKey);
    expect(js).toContain('https://cdn.plaid.com/link/v2/stable/link-initialize.js');
    expect(js).toContain('plaid-exchange-token');
    expect(js).not.toContain('__local/session');
    expect(js).not.toContain('nestfolio.localUser');
  }, 120_000);

  it('the bundle the local stack serves: no key, secret or token', async () => {
    const result = scanBundle(join(testStack.stateDir, 'web-dist'), await knownSecrets());
    expect(result.files).toBeGreaterThan(1);
    expect(result.hits).toEqual([]);
  });
});
