#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx's loader, so an installed checkout
// needs no build step and the CLI can never drift from the code the tests exercise.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/cli/main.ts');
process.exitCode = await main(process.argv);
