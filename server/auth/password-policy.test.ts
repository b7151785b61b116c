import { describe, expect, it } from 'vitest';
import { checkNewPassword } from './password-policy.js';

const codeOf = async (password: string) => {
  try {
    await checkNewPassword(password);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('new password policy', () => {
  it('needs at least 12 characters, counted as characters not bytes', async () => {
    expect(await codeOf('short')).toBe('HEARTH_ERR_PASSWORD_TOO_SHORT');
    expect(await codeOf('elevenchars')).toBe('HEARTH_ERR_PASSWORD_TOO_SHORT');
    expect(await codeOf('😀😀😀😀😀😀😀😀😀😀😀')).toBe('HEARTH_ERR_PASSWORD_TOO_SHORT');
    expect(await codeOf('我的家庭存储服务器很安全啊')).toBe('ok');
  });

  it('refuses absurdly long input', async () => {
    expect(await codeOf('x'.repeat(1025))).toBe('HEARTH_ERR_PASSWORD_TOO_LONG');
  });

  it('refuses common passwords, also padded with digits or punctuation', async () => {
    for (const password of ['qwertyuiop123', 'password1234', 'PASSWORD1234', 'iloveyou2026!', '123456789012', 'aaaaaaaaaaaa', 'abababababab']) {
      expect(await codeOf(password), password).toBe('HEARTH_ERR_PASSWORD_COMMON');
    }
  });

  it('accepts any character, with no composition rules', async () => {
    for (const password of ['caddie-until-slapping-dominoes', 'my cat sleeps on the nas', `'; DROP TABLE users; --`, 'tab\tand\nnewline ok', '$(reboot) `id` | & ;']) {
      expect(await codeOf(password), password).toBe('ok');
    }
  });
});
