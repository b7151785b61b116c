import readline from 'node:readline';
import { select, Separator } from '@inquirer/prompts';
import type { Translate } from '../../i18n.js';
import { displayWidth, padEnd, truncate } from './text.js';

/** Esc was pressed: go up one level. */
export class GoBack extends Error {
  override name = 'GoBack';
}

/** Ctrl-C at a prompt: leave the menu. */
export class Quit extends Error {
  override name = 'Quit';
}

export interface TerminalIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: NodeJS.WritableStream & { columns?: number; rows?: number; hasColors?: () => boolean };
}

/** What an @inquirer prompt takes besides its configuration (v7: streams and an AbortSignal). */
interface PromptContext {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

type Prompt<C, V> = (config: C, context?: PromptContext) => Promise<V>;

type Key = { name?: string; ctrl?: boolean; meta?: boolean; sequence?: string };

export interface Choice<V> {
  value: V;
  /** The line in the list (already cut to the width). */
  name: string;
  /** What the prompt's line shows once chosen; the name without its padding by default. */
  short?: string;
  /** Shown under the list while the entry is highlighted. */
  description?: string;
  /** Why the entry cannot be chosen. */
  disabled?: string;
}

/** The widest the menu draws, whatever the terminal: it is made for 80×24 over SSH. */
const maxWidth = 80;

/**
 * The terminal the menu draws on: one screen per step (header and breadcrumb on top),
 * @inquirer prompts under it, Esc to go back. Every line it writes fits the width, so
 * nothing wraps on an 80-column terminal.
 */
export function createTerminal(io: TerminalIo, t: Translate, env: NodeJS.ProcessEnv) {
  const { input, output } = io;
  // Before any prompt: keypress events on the input, also when no prompt is open
  // (while a job runs). A lone ESC is reported after readline's escape timeout.
  readline.emitKeypressEvents(input);

  const colours = !env.NO_COLOR && env.TERM !== 'dumb' && (output.hasColors?.() ?? false);
  const sgr = (open: number, close: number) => (text: string) => (colours && text ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  const style = {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };

  const width = () => Math.max(40, Math.min(maxWidth, output.columns || maxWidth));
  const rows = () => Math.max(12, output.rows || 24);
  const write = (text: string) => output.write(text);

  /** The theme of every prompt: our translated key help instead of inquirer's English one. */
  const selectTheme = {
    helpMode: 'always' as const,
    style: {
      keysHelpTip: () => style.dim(truncate(t('cli:config.keys.select'), width())),
      description: (text: string) => style.cyan(text),
      disabled: (text: string) => style.dim(`- ${text}`),
    },
  };

  /**
   * Runs one prompt. Esc aborts it (GoBack), Ctrl-C too (Quit); the prompt library's
   * own errors for those become ours.
   */
  async function ask<C, V>(prompt: Prompt<C, V>, config: C): Promise<V> {
    const controller = new AbortController();
    const onKey = (_text: string | undefined, key: Key | undefined) => {
      if (key?.name === 'escape') controller.abort();
    };
    input.on('keypress', onKey);
    try {
      return await prompt(config, { input, output, signal: controller.signal });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'AbortPromptError') throw new GoBack();
      if (name === 'ExitPromptError' || name === 'CancelPromptError') throw new Quit();
      throw error;
    } finally {
      input.off('keypress', onKey);
    }
  }

  /** Takes the keyboard while no prompt is open, so keys typed then are not echoed or kept. */
  function takeKeys(onKey: (key: Key) => void): () => void {
    const listener = (_text: string | undefined, key: Key | undefined) => onKey(key ?? {});
    input.setRawMode?.(true);
    input.on('keypress', listener);
    input.resume();
    return () => {
      input.off('keypress', listener);
      input.setRawMode?.(false);
      input.pause();
    };
  }

  /** Lines a list may use for its entries, with `above` lines of screen over it. */
  const pageSize = (above: number) =>
    // The prompt line, a blank line, up to two description lines and the key help.
    Math.max(3, Math.min(20, rows() - above - 5));

  /**
   * A list to choose from with the arrow keys, under `above` lines of screen. Every
   * line fits the width, the answer line left once chosen too ("✔ question answer").
   */
  function choose<V>(options: { message: string; choices: ReadonlyArray<Choice<V> | Separator>; default?: V; above: number }): Promise<V> {
    const w = width();
    const message = truncate(options.message, w - 4);
    const room = Math.max(8, w - 3 - displayWidth(message));
    const choices = options.choices.map((choice) =>
      choice instanceof Separator ? choice : { ...choice, short: truncate(choice.short ?? choice.name.trim(), room) },
    );
    return ask(select<V>, {
      message,
      choices,
      ...(options.default !== undefined ? { default: options.default } : {}),
      pageSize: pageSize(options.above),
      loop: false,
      theme: selectTheme,
    });
  }

  return {
    style,
    width,
    rows,
    write,
    ask,
    choose,
    takeKeys,

    /** Clears the screen and draws the header: title and breadcrumb, then a rule. */
    screen(crumbs: readonly string[], body: readonly string[] = []): number {
      const w = width();
      const title = t('cli:config.title');
      const trail = crumbs.length ? ` › ${crumbs.join(' › ')}` : '';
      const head = truncate(title + trail, w);
      write('\u001b[H\u001b[2J');
      write(style.bold(head.slice(0, title.length)) + head.slice(title.length) + '\n');
      write(style.dim('─'.repeat(w)) + '\n');
      for (const line of body) write(line + '\n');
      return 2 + body.length;
    },

    /** "label  value" rows with the labels in one column, cut to the width. */
    table(rowsToShow: ReadonlyArray<readonly [string, string]>, indent = '  '): string[] {
      const w = width();
      const labelWidth = Math.min(Math.max(0, ...rowsToShow.map(([label]) => displayWidth(label))), Math.floor(w / 2) - indent.length);
      return rowsToShow.map(([label, value]) => {
        const left = indent + padEnd(truncate(label, labelWidth), labelWidth) + '  ';
        return left + truncate(value, w - displayWidth(left));
      });
    },

    /** Waits for Enter or Esc (keys pressed before are ignored); Ctrl-C quits. */
    async pressEnter(): Promise<void> {
      await new Promise<void>((resolve, reject) => {
        const release = takeKeys((key) => {
          if (key.ctrl && key.name === 'c') {
            release();
            reject(new Quit());
          } else if (key.name === 'return' || key.name === 'enter' || key.name === 'escape') {
            release();
            resolve();
          }
        });
      });
    },

    /** Leaves the terminal as the menu found it: cursor shown, colours reset, screen cleared. */
    restore(clear: boolean): void {
      write('\u001b[0m\u001b[?25h' + (clear ? '\u001b[H\u001b[2J' : '\n'));
    },
  };
}

export type Terminal = ReturnType<typeof createTerminal>;
