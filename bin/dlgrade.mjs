#!/usr/bin/env node
// Runs the TypeScript CLI with no build step: from a bundle made on first use, or through tsx
// (bin/bundle.mjs says when and why).
import { loadCli } from './bundle.mjs';

const { main } = await loadCli();
process.exitCode = await main(process.argv.slice(2));
