import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/cache-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
