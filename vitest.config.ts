import { defineConfig } from 'vitest/config';
import { standInFolders } from './local/vitest-projects.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one local stack; files run in parallel, so each creates its own users/items.
    fileParallelism: true,
    maxWorkers: 2,
    // The product's tests first (group 0), then the stand-ins' (group 1): see local/vitest-projects.ts.
    projects: [
      {
        extends: true,
        test: { name: 'product', include: ['tests/**/*.test.ts'], exclude: standInFolders.map((f) => `${f}/**`), sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'stand-ins', include: standInFolders.map((f) => `${f}/**/*.test.ts`), sequence: { groupOrder: 1 } },
      },
    ],
  },
});
