#!/usr/bin/env node
import path from 'node:path';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), { invokedAs: path.basename(process.argv[1] ?? 'hearth') });
