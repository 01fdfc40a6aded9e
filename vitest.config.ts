import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests share one local CESS network per file; running files in parallel on a
    // 2-core machine only makes chopsticks slower.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // CI on a loaded 2-core machine: one retry; scripts/summarize-tests.mjs names every test
    // that failed before passing, so a flake is reported, not hidden.
    retry: process.env.CI ? 1 : 0,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
