// One source for each dependency: the functions' import map asks for the ranges package.json declares
// (Deno resolves them from the same node_modules), type packages are dev dependencies, and the lock
// file is complete, so `npm ci` installs on every platform the tools ship binaries for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/paths.ts';

type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
type LockEntry = Manifest & { version?: string; optional?: boolean; os?: string[]; cpu?: string[] };

const json = <T>(path: string) => JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as T;
const pkg = json<Manifest>('package.json');
const lock = json<{ lockfileVersion: number; packages: Record<string, LockEntry> }>('package-lock.json');
const declared = { ...pkg.dependencies, ...pkg.devDependencies };

/** name -> range of every `npm:` specifier in an import map ("npm:@scope/name@^1.2.3/", "npm:/name@^1/"). */
function npmRanges(imports: Record<string, string>): Array<[string, string, string]> {
  return Object.entries(imports).flatMap(([key, target]) => {
    const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)@([^/]+)\/?$/.exec(target);
    return m ? [[key, m[1], m[2]] as [string, string, string]] : [];
  });
}

describe('dependency ranges', () => {
  it('the import map (and deno.json) ask for exactly the range package.json declares', () => {
    const maps = [
      json<{ imports: Record<string, string> }>('supabase/functions/import_map.json').imports,
      json<{ imports?: Record<string, string> }>('deno.json').imports ?? {},
    ];
    const entries = maps.flatMap(npmRanges);
    expect(entries.length).toBeGreaterThan(0);
    const mismatches = entries.filter(([, name, range]) => declared[name] !== range)
      .map(([key, name, range]) => `${key}: ${name}@${range}, package.json: ${declared[name] ?? 'not declared'}`);
    expect(mismatches).toEqual([]);
  });

  it('type packages (@types/*) are dev dependencies', () => {
    expect(Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@types/'))).toEqual([]);
  });
});

describe('package-lock.json', () => {
  it('declares the same dependencies as package.json (npm ci refuses a lock out of sync)', () => {
    const root = lock.packages[''];
    expect(root.dependencies).toEqual(pkg.dependencies);
    expect(root.devDependencies).toEqual(pkg.devDependencies);
  });

  it('locks every dependency of every locked package, other platforms\' optional binaries included', () => {
    // npm resolves a package's dependency from the nearest node_modules up the tree.
    const resolves = (from: string, name: string) => {
      for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
        if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
        if (!dir) return false;
      }
    };
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }).filter((name) => !resolves(path, name)).map((name) => `${path || '(root)'} -> ${name}`));
    expect(missing).toEqual([]);
    // The Supabase CLI ships one binary package per platform; linux-x64 alone is not a complete lock.
    const cli = Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/@supabase/cli-'));
    expect(cli.length).toBe(Object.keys(lock.packages['node_modules/supabase'].optionalDependencies ?? {}).length);
    for (const p of cli) expect(lock.packages[p], p).toMatchObject({ optional: true, os: expect.any(Array), cpu: expect.any(Array) });
  });
});
