#!/usr/bin/env node
// Boards run Debian's Node 20. Fails when any package in package-lock.json declares an
// `engines.node` range that Node 20.19 does not satisfy (npm only warns about those).
import { readFileSync } from 'node:fs';
import semver from 'semver';

const oldestSupported = '20.19.0';
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const offenders = Object.entries(lock.packages)
  .filter(([name, meta]) => name && meta.engines?.node && !semver.satisfies(oldestSupported, meta.engines.node))
  .map(([name, meta]) => `${name.replace(/^.*node_modules\//, '')}@${meta.version} wants node ${meta.engines.node}`);
if (offenders.length) {
  console.error(`Packages that do not support Node ${oldestSupported}:\n  ${offenders.join('\n  ')}`);
  process.exit(1);
}
console.log(`engines: all ${Object.keys(lock.packages).length - 1} packages accept Node ${oldestSupported}`);
