import type { IO } from './io.js';

export interface Choice {
  name: string;
  value: string;
  description?: string;
}

/** Asks a person for what is missing; tests script it, the terminal uses @inquirer/prompts. */
export interface Prompter {
  select(message: string, choices: Choice[], defaultValue?: string): Promise<string>;
  input(message: string, options?: { default?: string; validate?: (value: string) => string | true }): Promise<string>;
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
}

export function inquirerPrompter(io: IO): Prompter {
  const context = { input: io.stdin, output: io.stdout as NodeJS.WritableStream, clearPromptOnDone: false };
  return {
    async select(message, choices, defaultValue) {
      const { select } = await import('@inquirer/prompts');
      return select({ message, choices, default: defaultValue }, context);
    },
    async input(message, options = {}) {
      const { input } = await import('@inquirer/prompts');
      return input({ message, default: options.default, validate: options.validate }, context);
    },
    async confirm(message, defaultValue = false) {
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message, default: defaultValue }, context);
    },
  };
}
