import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one local stack; files run in parallel, so each creates its own users/items.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
