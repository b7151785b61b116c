import { describe, expect, it } from 'vitest';
import { translator } from '../i18n.js';
import { describeProgress } from './follow-output.js';

describe('progress on the terminal', () => {
  it('says how far, how fast and how long', () => {
    const t = translator('en');
    const progress = { phase: 'write', done: 512 * 1024 ** 2, total: 2 * 1024 ** 3, unit: 'bytes' as const };
    expect(describeProgress(progress, 64 * 1024 ** 2, t)).toBe('Writing 25% · 512 MiB of 2.00 GiB · 64.0 MiB/s · 0:24 left');
    expect(describeProgress({ ...progress, unit: 'entries', done: 3, total: 12 }, undefined, translator('zh-CN'))).toBe('写入 25% · 3 / 12');
  });
});
