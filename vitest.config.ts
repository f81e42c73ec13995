import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests drive real processes (Docker, python3, the built CLI): give them room.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-benchmarks.ts'],
  },
})
