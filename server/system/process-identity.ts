import { readFileSync } from 'node:fs';

/**
 * The start time of a process (field 22 of /proc/<pid>/stat, in clock ticks since
 * boot), or undefined when no such process runs. A pid plus its start time names
 * one process for good: after a crash the pid may be reused, the pair is not.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces or ')'.
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return afterName[19];
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number, startTime: string | null | undefined): boolean {
  const current = processStartTime(pid);
  if (current === undefined) return false;
  return !startTime || current === startTime;
}
