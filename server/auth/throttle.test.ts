import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { manualClock, tempRoot } from '../testing/temp-root.js';
import { createThrottle, delayAfter, throttlePolicies } from './throttle.js';

describe('login throttle', () => {
  it('lets four failures pass, then backs off 30 s doubling up to 15 minutes', () => {
    const policy = throttlePolicies['login-address'];
    const delays = Array.from({ length: 12 }, (_, i) => delayAfter(policy, i + 1) / 1000);
    expect(delays).toEqual([0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
    expect(delayAfter(policy, 10_000)).toBe(15 * 60_000);
  });

  it('blocks, releases after the delay, and forgets after a success', () => {
    const clock = manualClock();
    const throttle = createThrottle(openDatabase(path.join(tempRoot(), 'hearth.db')), clock.now);
    for (let i = 0; i < 4; i++) expect(throttle.fail('login-address', '10.0.0.9')).toBe(0);
    expect(throttle.fail('login-address', '10.0.0.9')).toBe(30_000);
    expect(throttle.waitMs('login-address', '10.0.0.9')).toBe(30_000);
    expect(throttle.waitMs('login-address', '10.0.0.8')).toBe(0);
    clock.advance(29_000);
    expect(throttle.waitMs('login-address', '10.0.0.9')).toBe(1_000);
    clock.advance(1_000);
    expect(throttle.waitMs('login-address', '10.0.0.9')).toBe(0);
    expect(throttle.fail('login-address', '10.0.0.9')).toBe(60_000);
    throttle.succeed('login-address', '10.0.0.9');
    expect(throttle.waitMs('login-address', '10.0.0.9')).toBe(0);
    expect(throttle.fail('login-address', '10.0.0.9')).toBe(0);
  });

  it('forgets old failures after a day', () => {
    const clock = manualClock();
    const throttle = createThrottle(openDatabase(path.join(tempRoot(), 'hearth.db')), clock.now);
    for (let i = 0; i < 4; i++) throttle.fail('login-address', 'a');
    clock.advance(25 * 3_600_000);
    expect(throttle.fail('login-address', 'a')).toBe(0);
  });

  it('keeps scopes apart, and clearAll lifts every block', () => {
    const clock = manualClock();
    const throttle = createThrottle(openDatabase(path.join(tempRoot(), 'hearth.db')), clock.now);
    for (let i = 0; i < 5; i++) throttle.fail('setup-code-address', 'x');
    expect(throttle.waitMs('setup-code-address', 'x')).toBeGreaterThan(0);
    expect(throttle.waitMs('login-address', 'x')).toBe(0);
    throttle.clearAll();
    expect(throttle.waitMs('setup-code-address', 'x')).toBe(0);
  });
});
