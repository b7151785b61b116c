/** The CLI's exit codes: a contract with owners' scripts. */
export const exitCodes = {
  ok: 0,
  failed: 1,
  usage: 2,
  busy: 3,
} as const;
