/**
 * Crash tests need the real process to die at a chosen point, as it would at a power
 * cut: HEARTH_FAULT_AT=<point> makes `faultPoint(point)` kill the process with SIGKILL
 * there (no cleanup, no flush). Unset — always, outside those tests — it does nothing.
 */
export function faultPoint(point: string): void {
  if (process.env.HEARTH_FAULT_AT === point) process.kill(process.pid, 'SIGKILL');
}
