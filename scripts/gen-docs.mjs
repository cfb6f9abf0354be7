#!/usr/bin/env node
// Writes the command reference, docs/commands/*.md, from mlk's commander command tree: one page per
// command and subcommand (mlk.md, mlk_deploy.md, mlk_deploy_model.md, ...) and an index, README.md.
// Every part of a page comes from commander's own Help class at a fixed width, so a page says what
// `mlk COMMAND --help` says. Run it after a build (`npm run docs` does both):
//
//   node scripts/gen-docs.mjs            write docs/commands/ (and remove pages of commands that are gone)
//   node scripts/gen-docs.mjs --check    exit 1, listing stale, missing and extra pages, unless fresh
//   node scripts/gen-docs.mjs --dir D    use folder D instead of docs/commands/
//
// renderPages(program) is pure: test/unit/docs.test.ts calls it on the program built from src/.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

/** Help is laid out for a terminal this wide, whatever the terminal running the generator is. */
export const HELP_WIDTH = 100;

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DEFAULT_DIR = join(ROOT, 'docs', 'commands');
const PROGRAM_MODULE = join(ROOT, 'dist', 'cli', 'program.js');

const BANNER = '<!-- Generated from the command tree by scripts/gen-docs.mjs (npm run docs). Do not edit by hand. -->';

/** The Deps buildProgram needs to construct the command tree; nothing here is used to run a command. */
export function docsDeps() {
  const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  return {
    io: { stdin: process.stdin, stdout: sink(), stderr: sink(), interactive: false, stderrIsTTY: false, stdoutIsTTY: false },
    env: {},
    cwd: process.cwd(),
  };
}

/** The command's words from the root: ['mlk', 'deploy', 'model']. */
function commandPath(cmd) {
  const names = [];
  for (let c = cmd; c; c = c.parent) names.unshift(c.name());
  return names;
}

export function pageName(cmd) {
  return `${commandPath(cmd).join('_')}.md`;
}

function title(cmd) {
  return commandPath(cmd).join(' ');
}

/** Real subcommands (not commander's implicit `help`), in the order --help lists them. */
function subcommands(cmd, help) {
  return help.visibleCommands(cmd).filter((sub) => cmd.commands.includes(sub));
}

function allCommands(cmd, help) {
  return [cmd, ...subcommands(cmd, help).flatMap((sub) => allCommands(sub, help))];
}

function helpFor(cmd) {
  const help = cmd.createHelp();
  help.helpWidth = HELP_WIDTH;
  help.prepareContext({ error: false, helpWidth: HELP_WIDTH, outputHasColors: false });
  return help;
}

const optionKey = (option) => `${option.flags}\u0000${option.description}`;

/**
 * The root's options that subcommands repeat word for word (--kubeconfig, --context, -n, ...): their pages
 * link to mlk.md#global-options instead of listing them again.
 */
function globalOptionKeys(program, help) {
  const below = new Set(
    allCommands(program, help)
      .slice(1)
      .flatMap((cmd) => cmd.options.map(optionKey)),
  );
  return new Set(program.options.map(optionKey).filter((key) => below.has(key)));
}

/** A fenced block long enough that no backticks inside can close it. */
function fence(text, info = 'text') {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const marks = '`'.repeat(Math.max(3, longest + 1));
  return `${marks}${info}\n${text}\n${marks}`;
}

/** Plain help text as Markdown prose: `code spans` stay, characters Markdown would act on are escaped. */
function prose(text) {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\*_[\]<>|]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`))))
    .join('');
}

function tidy(text) {
  return stripVTControlCharacters(text)
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

/** What addHelpText added at a position, as `--help` prints it (the events outputHelp emits). */
function helpText(cmd, position) {
  let text = '';
  const context = {
    error: false,
    command: cmd,
    write: (s) => {
      text += s;
    },
  };
  const lineage = [];
  for (let c = cmd; c; c = c.parent) lineage.push(c);
  if (position === 'before') {
    for (const c of [...lineage].reverse()) c.emit('beforeAllHelp', context);
    cmd.emit('beforeHelp', context);
  } else {
    cmd.emit('afterHelp', context);
    for (const c of lineage) c.emit('afterAllHelp', context);
  }
  return tidy(text);
}

function section(heading, body) {
  return body ? [`## ${heading}`, '', body, ''] : [];
}

function renderPage(cmd, help, globals, isRoot) {
  const termWidth = help.padWidth(cmd, help);
  const item = (term, description) => help.formatItem(term, termWidth, description, help);
  const lines = [BANNER, '', `# ${title(cmd)}`, ''];

  const description = help.commandDescription(cmd);
  if (description) lines.push(prose(description), '');
  const before = helpText(cmd, 'before');
  if (before) lines.push(fence(before), '');

  lines.push(...section('Usage', fence(tidy(help.commandUsage(cmd)))));

  const args = help.visibleArguments(cmd).map((a) => item(help.argumentTerm(a), help.argumentDescription(a)));
  lines.push(...section('Arguments', args.length ? fence(tidy(args.join('\n'))) : ''));

  const visible = help.visibleOptions(cmd);
  const isGlobal = (o) => cmd.options.includes(o) && globals.has(optionKey(o));
  const groups = help.groupItems(
    cmd.options,
    visible.filter((o) => !isGlobal(o)),
    (o) => o.helpGroupHeading ?? 'Options:',
  );
  for (const [heading, options] of groups) {
    const body = options.map((o) => item(help.optionTerm(o), help.optionDescription(o))).join('\n');
    lines.push(...section(heading.replace(/:$/, ''), options.length ? fence(tidy(body)) : ''));
  }
  const globalOptions = visible.filter(isGlobal);
  if (isRoot && globalOptions.length) {
    lines.push(
      '## Global options',
      '',
      'These go before the command name (`mlk -n ml-team status`), or after it for every command whose page links here.',
      '',
      fence(tidy(globalOptions.map((o) => item(help.optionTerm(o), help.optionDescription(o))).join('\n'))),
      '',
    );
  } else if (globalOptions.length) {
    const names = globalOptions.map((o) => `\`${o.flags.replace(/ <.*|\s\[.*/, '')}\``).join(', ');
    lines.push(`Also takes the [global options](mlk.md#global-options): ${names}.`, '');
  }

  const subs = help.visibleCommands(cmd);
  if (subs.length) {
    const list = subs.map((sub) =>
      cmd.commands.includes(sub)
        ? `* [${title(sub)}](${pageName(sub)}): ${prose(help.subcommandDescription(sub))}`
        : `* \`${title(cmd)} ${help.subcommandTerm(sub)}\`: ${prose(help.subcommandDescription(sub))}`,
    );
    lines.push(...section('Commands', list.join('\n')));
  }

  const after = helpText(cmd, 'after');
  lines.push(...section('Notes and examples', after ? fence(after) : ''));

  const seeAlso = [];
  if (cmd.parent) seeAlso.push(`* [${title(cmd.parent)}](${pageName(cmd.parent)}): ${prose(help.subcommandDescription(cmd.parent))}`);
  seeAlso.push('* [All commands](README.md)');
  lines.push(...section('See also', seeAlso.join('\n')));
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

function renderIndex(program, help) {
  const lines = [
    BANNER,
    '',
    '# Command reference',
    '',
    'One page per command, generated from the command tree by `npm run docs`: each page shows what',
    `\`mlk COMMAND --help\` shows (laid out for ${HELP_WIDTH} columns). The options every command takes are on`,
    '[mlk](mlk.md#global-options). Guides that explain rather than list are in [docs/](../README.md).',
    '',
  ];
  const walk = (cmd, depth) => {
    const description = help.subcommandDescription(cmd);
    lines.push(`${'  '.repeat(depth)}* [${title(cmd)}](${pageName(cmd)})${description ? `: ${prose(description)}` : ''}`);
    for (const sub of subcommands(cmd, help)) walk(sub, depth + 1);
  };
  walk(program, 0);
  return `${lines.join('\n')}\n`;
}

/** Every page of the reference, file name -> content, for a program built by buildProgram. */
export function renderPages(program) {
  const rootHelp = helpFor(program);
  const globals = globalOptionKeys(program, rootHelp);
  const pages = new Map();
  for (const cmd of allCommands(program, rootHelp)) {
    pages.set(pageName(cmd), renderPage(cmd, helpFor(cmd), globals, cmd === program));
  }
  pages.set('README.md', renderIndex(program, rootHelp));
  return pages;
}

/** How the folder differs from the pages: stale (different), missing, extra (a .md no command has). */
export async function compareWithDir(pages, dir) {
  const present = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.md')).sort() : [];
  const stale = [];
  const missing = [];
  for (const [name, content] of pages) {
    if (!present.includes(name)) missing.push(name);
    else if ((await readFile(join(dir, name), 'utf8')) !== content) stale.push(name);
  }
  const extra = present.filter((name) => !pages.has(name));
  return { stale, missing, extra };
}

export async function writePages(pages, dir) {
  await mkdir(dir, { recursive: true });
  const { stale, missing, extra } = await compareWithDir(pages, dir);
  for (const name of [...stale, ...missing]) await writeFile(join(dir, name), pages.get(name));
  for (const name of extra) await rm(join(dir, name));
  return { changed: stale.length + missing.length, removed: extra.length };
}

export async function loadProgram(modulePath = PROGRAM_MODULE) {
  if (!existsSync(modulePath)) {
    throw new Error(`${relative(process.cwd(), modulePath)} does not exist: run npm run build first (npm run docs does both)`);
  }
  const { buildProgram } = await import(pathToFileURL(modulePath).href);
  return buildProgram(docsDeps());
}

async function main(argv) {
  let check = false;
  let dir = DEFAULT_DIR;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--dir' && argv[i + 1]) dir = resolve(argv[++i]);
    else {
      process.stderr.write(`gen-docs: unknown argument ${argv[i]}\nusage: node scripts/gen-docs.mjs [--check] [--dir DIR]\n`);
      return 2;
    }
  }
  const pages = renderPages(await loadProgram());
  const shown = relative(process.cwd(), dir) || '.';
  if (check) {
    const { stale, missing, extra } = await compareWithDir(pages, dir);
    if (!stale.length && !missing.length && !extra.length) {
      process.stdout.write(`${shown}: ${pages.size} pages, all fresh\n`);
      return 0;
    }
    const report = [...stale.map((name) => `  stale:   ${name}`), ...missing.map((name) => `  missing: ${name}`), ...extra.map((name) => `  extra:   ${name}`)];
    process.stderr.write(`${shown} does not match the command tree; run npm run docs:\n${report.join('\n')}\n`);
    return 1;
  }
  const { changed, removed } = await writePages(pages, dir);
  process.stdout.write(`${shown}: ${pages.size} pages (${changed} written, ${removed} removed)\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`gen-docs: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
