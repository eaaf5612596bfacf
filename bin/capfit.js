#!/usr/bin/env node
// Thin launcher: runs the precompiled bundle for the current sources (built on first use, see
// bundle.js), or the TypeScript sources through the tsx loader when it cannot be built.
import { importEntry } from './bundle.js';

await importEntry('cli.js', 'cli.ts');
