/**
 * CSRF defence by strict origin checking (OWASP's "verifying origin with standard
 * headers", ASVS 3.5.x). Every state-changing request must carry an Origin header
 * equal to the panel's own origin; a Sec-Fetch-Site header, where the browser sends
 * one, must say same-origin. Browsers always send Origin on POST, PUT, PATCH and
 * DELETE, and a page elsewhere cannot forge it. Scripts that call the API with a
 * session cookie set Origin themselves.
 */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isStateChanging(method: string): boolean {
  return !safeMethods.has(method.toUpperCase());
}

export function passesOriginCheck(headers: { origin?: string; 'sec-fetch-site'?: string }, ownOrigin: string): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = headers.origin;
  if (!origin || origin === 'null') return false;
  return origin.toLowerCase() === ownOrigin.toLowerCase();
}
