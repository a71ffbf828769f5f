// The docs name files that exist: every relative link and every repository path in backticks in
// README.md, docs/ and the other committed Markdown; the README's layout lists what is there; and
// nothing in the repository depends on a path outside it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/paths.ts';

const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter(Boolean);
const markdown = tracked.filter((f) => f.endsWith('.md'));
const topLevel = new Set(tracked.map((f) => f.split('/')[0]));
const read = (f: string) => readFileSync(join(repoRoot, f), 'utf8');
const exists = (p: string) => existsSync(join(repoRoot, p));

// Named by the docs, made by the user or a build, never committed.
const createdLater = new Set([
  'web/dist', // npm run build:web
  'web/.env.production', // the hosted build's settings (README § Deploy)
  'supabase/functions/.env', // local function secrets (supabase/functions/.env.example)
]);

describe('file references in the docs', () => {
  it('every relative Markdown link points at a file in the repository', () => {
    const broken: string[] = [];
    for (const doc of markdown) {
      for (const m of read(doc).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(m[1])) continue; // https:, mailto:
        const target = normalize(join(dirname(doc), m[1]));
        if (target.startsWith('..') || !exists(target)) broken.push(`${doc}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every repository path in backticks exists', () => {
    const missing: string[] = [];
    for (const doc of markdown) {
      for (const m of read(doc).matchAll(/`([^`\s]+)`/g)) {
        const path = m[1].replace(/^\.\//, '').replace(/\/$/, '');
        // Paths only (no globs, placeholders or URLs), starting at a top-level entry of the repository.
        if (!/^[\w.-]+(\/[\w.-]+)+$/.test(path) || !topLevel.has(path.split('/')[0])) continue;
        if (!exists(path) && !createdLater.has(path)) missing.push(`${doc}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the README\'s repository layout lists what exists, and every top-level folder', () => {
    const block = /## Repository layout\n+```\n([\s\S]*?)```/.exec(read('README.md'))?.[1];
    expect(block, 'README § Repository layout').toBeDefined();
    let parent = '';
    const listed: string[] = [];
    for (const line of block!.split('\n').filter(Boolean)) {
      const name = line.trim().split(/\s+/)[0];
      const path = line.startsWith(' ') ? `${parent}${name}` : name;
      if (!line.startsWith(' ')) parent = name;
      listed.push(path.replace(/\/$/, ''));
    }
    expect(listed.filter((p) => !exists(p))).toEqual([]);
    const folders = [...topLevel].filter((t) => tracked.some((f) => f.startsWith(`${t}/`)));
    expect(folders.filter((f) => !listed.some((p) => p === f || p.startsWith(`${f}/`)))).toEqual([]);
  });
});

describe('nothing outside the repository is required', () => {
  it('no committed file names a machine path or reads the team\'s shared folder', () => {
    const self = relative(repoRoot, new URL(import.meta.url).pathname);
    const hits: string[] = [];
    for (const f of tracked.filter((t) => /\.(ts|js|json|md|sql|toml|sh)$|^\.ci\//.test(t) && t !== self && t !== 'package-lock.json')) {
      const text = read(f);
      if (/\/work\/|\/home\/|\/root\//.test(text)) hits.push(`${f}: a machine path`);
      // Plaid's spec beside the checkout is optional: only the extract's currency check looks for it
      // (and the docs say so); nothing else of the team's shared folder is named.
      if (/\.\.\/shared\/(?!plaid-openapi\/2020-09-14\.yml)/.test(text)) hits.push(`${f}: ../shared/`);
      else if (/\.\.\/shared\//.test(text) && !f.endsWith('.md') && f !== 'local/plaid-emulator/spec/extract.ts') hits.push(`${f}: ../shared/ (only the extract check may look there)`);
    }
    expect(hits).toEqual([]);
  });
});
