/** Quotes an argument for a POSIX shell only when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(words: string[]): string {
  return words.map(shellQuote).join(' ');
}

/** Builds an equivalent mlk command line flag by flag, leaving out what was not given. */
export class CommandLineBuilder {
  private readonly words: string[];

  constructor(...start: string[]) {
    this.words = [...start];
  }

  flag(name: string, value: string | undefined): this {
    if (value !== undefined && value !== '') this.words.push(`--${name}`, value);
    return this;
  }

  many(name: string, values: string[] = []): this {
    for (const value of values) this.flag(name, value);
    return this;
  }

  toggle(name: string, on: boolean | undefined): this {
    if (on) this.words.push(`--${name}`);
    return this;
  }

  /** Words after `--`. */
  rest(args: string[]): this {
    if (args.length) this.words.push('--', ...args);
    return this;
  }

  toString(): string {
    return commandLine(this.words);
  }
}
