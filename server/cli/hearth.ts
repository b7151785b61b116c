#!/usr/bin/env -S node --max-semi-space-size=1
// A 1 MiB young generation: V8's default lets it grow to 3 × 16 MiB, which an idle
// appliance daemon pays for in resident memory on a 1 GB board (npm run bench).
import path from 'node:path';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), { invokedAs: path.basename(process.argv[1] ?? 'hearth') });
