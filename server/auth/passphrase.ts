import { randomInt } from 'node:crypto';

/**
 * A passphrase proposed at activation: six words drawn from the EFF's diceware
 * list (7,776 words, as shipped by zxcvbn-ts), about 77 bits. Easy to type on a
 * phone, impossible to guess.
 */
export const passphraseWordCount = 6;

export async function generatePassphrase(words = passphraseWordCount): Promise<string> {
  const { dictionary } = await import('@zxcvbn-ts/language-common');
  const list = dictionary['diceware-common'];
  return Array.from({ length: words }, () => list[randomInt(list.length)]).join('-');
}
