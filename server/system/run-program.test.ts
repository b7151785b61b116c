import { describe, expect, it } from 'vitest';
import { pipeProgram, ProgramNotFoundError, runProgram } from './run-program.js';

describe('runProgram', () => {
  it('passes arguments as data, never through a shell', async () => {
    const hostile = ['$(id)', '`id`', 'a; rm -rf /', '|| true', '&& echo owned', "'\"", '--opt', '\nnewline', '*'];
    const result = await runProgram(['printf', '%s\\n', ...hostile]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, -1)).toEqual(hostile.flatMap((h) => h.split('\n')));
  });

  it('reports a non-zero exit as a result', async () => {
    const result = await runProgram(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(result).toMatchObject({ code: 7, stdout: 'out\n', stderr: 'err\n', simulated: false });
  });

  it('feeds stdin', async () => {
    const result = await runProgram(['cat'], { input: 'piped' });
    expect(result.stdout).toBe('piped');
  });

  it('throws a clear error for a program that does not exist', async () => {
    await expect(runProgram(['hearth-no-such-program'])).rejects.toBeInstanceOf(ProgramNotFoundError);
  });

  it('kills a program that outlives its timeout', async () => {
    const result = await runProgram(['sleep', '30'], { timeoutMs: 200 });
    expect(result.code).toBeNull();
    expect(result.signal).toBe('SIGKILL');
  });

  it('runs programs in the C locale with a minimal environment', async () => {
    const result = await runProgram(['sh', '-c', 'echo "$LC_ALL:${HEARTH_SECRET:-unset}"'], {});
    expect(result.stdout.trim()).toBe('C.UTF-8:unset');
  });
});

describe('pipeProgram', () => {
  it('streams stdin through the program to stdout and reports the exit', async () => {
    const piped = pipeProgram(['sh', '-c', 'tr a-z A-Z; echo done >&2']);
    const chunks: Buffer[] = [];
    piped.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    piped.stdin.end('hello $(id) `id`\n');
    expect(await piped.done).toEqual({ code: 0, signal: null, stderr: 'done\n' });
    expect(Buffer.concat(chunks).toString()).toBe('HELLO $(ID) `ID`\n');
  });

  it('rejects `done` with ProgramNotFoundError for a program that does not exist', async () => {
    const piped = pipeProgram(['hearth-no-such-program']);
    piped.stdin.on('error', () => {});
    await expect(piped.done).rejects.toBeInstanceOf(ProgramNotFoundError);
  });

  it('kills the program when the signal aborts', async () => {
    const controller = new AbortController();
    const piped = pipeProgram(['sleep', '30'], { signal: controller.signal });
    controller.abort();
    expect(await piped.done).toMatchObject({ code: null, signal: 'SIGKILL' });
  });
});
