import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests drive real processes (Docker, python3, the built CLI): give them room.
    testTimeout: 120_000,
    // Two files at a time even on 2 cores: most integration files wait on containers, python3 and
    // SLURM jobs rather than compute. DCBENCH_TEST_WORKERS=1 runs them one by one.
    maxWorkers: Number(process.env.DCBENCH_TEST_WORKERS ?? 2),
    minWorkers: 1,
    hookTimeout: 600_000,
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-benchmarks.ts'],
  },
})
