import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { Deps } from '../../src/cli/session.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COMMANDS = join(ROOT, 'docs', 'commands');
const GENERATOR = join(ROOT, 'scripts', 'gen-docs.mjs');

interface Difference {
  stale: string[];
  missing: string[];
  extra: string[];
}
/** What scripts/gen-docs.mjs exports (a plain .mjs file, so typed here). */
interface GenDocs {
  HELP_WIDTH: number;
  docsDeps(): Deps;
  renderPages(program: Command): Map<string, string>;
  compareWithDir(pages: Map<string, string>, dir: string): Promise<Difference>;
  pageName(cmd: Command): string;
}
const gen = (await import(pathToFileURL(GENERATOR).href)) as GenDocs;

/** The tree as `mlk` builds it, from the current source (no build needed for these checks). */
const program = () => buildProgram(gen.docsDeps());

/** The command and its subcommands, hidden ones (such as completion's helper) left out as --help leaves them out. */
function commandsOf(cmd: Command): Command[] {
  const visible = cmd.createHelp().visibleCommands(cmd);
  return [cmd, ...cmd.commands.filter((sub) => visible.includes(sub)).flatMap(commandsOf)];
}

/** What `mlk ... --help` prints on a 100-column terminal, help text added after included. */
function helpOutput(cmd: Command): string {
  let out = '';
  cmd.configureOutput({
    ...cmd.configureOutput(),
    writeOut: (s: string) => {
      out += s;
    },
    getOutHelpWidth: () => gen.HELP_WIDTH,
    getOutHasColors: () => false,
  });
  cmd.outputHelp();
  return out;
}

/** The contents of the fenced blocks of a Markdown text. */
function fencedBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^(`{3,})[^\n]*\n([\s\S]*?)\n\1$/gm)].map((m) => m[2]!);
}

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe('docs/commands, generated from the command tree', () => {
  it('is fresh: every page is what npm run docs writes', async () => {
    const difference = await gen.compareWithDir(gen.renderPages(program()), COMMANDS);
    expect(difference, 'docs/commands/ is stale: run npm run docs').toEqual({ stale: [], missing: [], extra: [] });
  });

  it('has one page per command and subcommand, and an index linking each', () => {
    const tree = program();
    const pages = gen.renderPages(tree);
    const names = commandsOf(tree).map((cmd) => gen.pageName(cmd));
    expect([...pages.keys()].sort()).toEqual([...names, 'README.md'].sort());
    expect(names).toContain('mlk_deploy_model.md');
    expect(names).toContain('mlk_train_status.md');
    for (const name of names) expect(pages.get('README.md')).toContain(`](${name})`);
  });

  it("says what --help says: every line of a page's blocks is a line of the help at 100 columns", () => {
    const tree = program();
    const pages = gen.renderPages(tree);
    for (const cmd of commandsOf(tree)) {
      const page = pages.get(gen.pageName(cmd))!;
      const help = helpOutput(cmd)
        .replace(/^Usage: /, '')
        .split('\n')
        .map((line) => line.trimEnd());
      const globals = cmd === tree ? [] : fencedBlocks(pages.get('mlk.md')!).flatMap((block) => block.split('\n'));
      for (const line of fencedBlocks(page).flatMap((block) => block.split('\n'))) {
        expect(help, `${gen.pageName(cmd)}: "${line}"`).toContain(line);
      }
      // and every option is on the page, or is a global option listed on mlk.md and named here
      for (const option of cmd.options) {
        const term = option.flags;
        const onPage = page.includes(`  ${term}`);
        const global = globals.some((line) => line.startsWith(`  ${term} `)) && page.includes(`\`${term.replace(/ [<[].*/, '')}\``);
        expect(onPage || global, `${gen.pageName(cmd)} lacks ${term}`).toBe(true);
      }
    }
  });

  it('is deterministic: no dates, no absolute paths, the same twice', () => {
    const first = gen.renderPages(program());
    expect(gen.renderPages(program())).toEqual(first);
    const text = [...first.values()].join('\n');
    for (const path of [ROOT, homedir(), tmpdir()]) expect(text).not.toContain(path);
    expect(text).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
  });

  it('gen-docs --check exits 1 naming stale, missing and extra pages, 0 when fresh (needs npm run build)', () => {
    expect(existsSync(join(ROOT, 'dist', 'cli', 'program.js')), 'dist/ is missing: run npm run build first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'mlk-docs-'));
    temporary.push(dir);
    const run = (...args: string[]) => spawnSync(process.execPath, [GENERATOR, ...args, '--dir', dir], { cwd: ROOT, encoding: 'utf8' });

    const written = run();
    expect(written.status, written.stderr).toBe(0);
    const fresh = run('--check');
    expect(fresh.status, fresh.stderr).toBe(0);

    writeFileSync(join(dir, 'mlk_train_status.md'), `${readFileSync(join(dir, 'mlk_train_status.md'), 'utf8')}\nedited by hand\n`);
    unlinkSync(join(dir, 'mlk_scale.md'));
    writeFileSync(join(dir, 'mlk_gone.md'), '# a command that no longer exists\n');
    const stale = run('--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('stale:   mlk_train_status.md');
    expect(stale.stderr).toContain('missing: mlk_scale.md');
    expect(stale.stderr).toContain('extra:   mlk_gone.md');

    const rewritten = run();
    expect(rewritten.status, rewritten.stderr).toBe(0);
    expect(existsSync(join(dir, 'mlk_gone.md'))).toBe(false);
    expect(run('--check').status).toBe(0);
  });
});

// ---- links -------------------------------------------------------------------------------------

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return entry.endsWith('.md') ? [path] : [];
  });
}

/** Markdown without fenced blocks and code spans, where a link is only text. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to -, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const text = match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count ? `${slug}-${count}` : slug);
  }
  return result;
}

describe('links in README.md and docs/', () => {
  const files = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];

  it('finds the guides', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('every relative link points to a file that exists, and to a heading that exists', () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = withoutCode(readFileSync(file, 'utf8'));
      const targets = [
        ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
        ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!),
      ];
      for (const target of targets) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
        const where = `${relative(ROOT, file)}: ${target}`;
        if (!existsSync(resolved)) {
          broken.push(`${where} (no such file)`);
        } else if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${where} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README keeps the setup and test commands', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('source scripts/use-node.sh && npm ci && npm run build');
    expect(readme).toContain('npm run test:all');
  });
});
