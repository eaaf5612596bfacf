import fc from 'fast-check';

// Property tests must be reproducible in CI: one pinned seed for every fast-check run.
fc.configureGlobal({ seed: 4242, numRuns: 100 });
