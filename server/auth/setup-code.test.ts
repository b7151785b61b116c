import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../paths.js';
import { createSandboxSystem } from '../system/sandbox.js';
import { tempRoot } from '../testing/temp-root.js';
import { createSetupCodeFile, generateSetupCode, normalizeSetupCode, setupCodesMatch } from './setup-code.js';

describe('setup code', () => {
  it('is 8 unambiguous characters in two groups', () => {
    for (let i = 0; i < 200; i++) expect(generateSetupCode()).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
  });

  it('accepts what a person types: any case, spaces or no dash', () => {
    expect(normalizeSetupCode(' abcd - efgh ')).toBe('ABCDEFGH');
    expect(setupCodesMatch('ABCD-EFGH', 'abcdefgh')).toBe(true);
    expect(setupCodesMatch('ABCD-EFGH', 'abcd efgh')).toBe(true);
    expect(setupCodesMatch('ABCD-EFGH', 'ABCD-EFGJ')).toBe(false);
    expect(setupCodesMatch('ABCD-EFGH', '')).toBe(false);
  });

  it('is written once, 0600, and read back the same', async () => {
    const paths = resolvePaths(tempRoot());
    const file = createSetupCodeFile(createSandboxSystem(paths), paths);
    const code = await file.ensure();
    expect(await file.ensure()).toBe(code);
    expect(await file.read()).toBe(code);
    expect(statSync(paths.setupCode).mode & 0o777).toBe(0o600);
    await file.remove();
    expect(await file.read()).toBeUndefined();
  });
});
