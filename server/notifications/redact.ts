/**
 * Removes secrets from text that came back from a server or a library (an error
 * message, a reply), before it is logged or stored: the secret itself and the forms a
 * protocol puts it on the wire in (base64 for SMTP AUTH, URL encoding).
 */
export function redactSecrets(text: string, secrets: readonly string[], username = ''): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    const forms = new Set([
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret, 'utf8').toString('base64'),
      Buffer.from(`\u0000${username}\u0000${secret}`, 'utf8').toString('base64'),
    ]);
    for (const form of forms) result = result.split(form).join('••••');
  }
  return result;
}

/** One line, no control characters, at most `max` characters: fit for a log line or a header. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/\p{Cc}/gu, '').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** 300 → "300 ms", 10000 → "10 s": for "no answer within …". */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}
