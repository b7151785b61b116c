import { describe, expect, it } from 'vitest';
import { isStateChanging, passesOriginCheck } from './csrf.js';

describe('CSRF origin check', () => {
  const own = 'https://nas.local:4443';

  it('accepts a same-origin request', () => {
    expect(passesOriginCheck({ origin: 'https://nas.local:4443', 'sec-fetch-site': 'same-origin' }, own)).toBe(true);
    expect(passesOriginCheck({ origin: 'HTTPS://NAS.local:4443' }, own)).toBe(true);
  });

  it('refuses everything else', () => {
    expect(passesOriginCheck({}, own)).toBe(false);
    expect(passesOriginCheck({ origin: 'null' }, own)).toBe(false);
    expect(passesOriginCheck({ origin: 'https://evil.example' }, own)).toBe(false);
    expect(passesOriginCheck({ origin: 'http://nas.local:4443' }, own)).toBe(false);
    expect(passesOriginCheck({ origin: 'https://nas.local:4443', 'sec-fetch-site': 'cross-site' }, own)).toBe(false);
    expect(passesOriginCheck({ origin: 'https://nas.local:4443', 'sec-fetch-site': 'same-site' }, own)).toBe(false);
  });

  it('applies to every method that can change state', () => {
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].every(isStateChanging)).toBe(true);
    expect(['GET', 'HEAD', 'OPTIONS'].some(isStateChanging)).toBe(false);
  });
});
