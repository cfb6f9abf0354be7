// Prints the figures the restructure is judged by: the longest functions in src/, and the imports
// from one command module to another. Usage: node scripts/code-metrics.mjs [SRC_DIR]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'src');
const files = (function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
})(root);

const functions = [];
const commandImports = [];
const commandDir = [join(root, 'commands'), join(root, 'cli', 'commands')].find((d) => {
  try {
    return statSync(d).isDirectory();
  } catch {
    return false;
  }
});
const commandOf = (file) => {
  if (!commandDir || !file.startsWith(`${commandDir}/`)) return undefined;
  return relative(commandDir, file).split('/')[0].replace(/\.ts$/, '');
};

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const name = node.name?.getText(source) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(source) : '(anonymous)');
      functions.push({ lines: lineOf(node.end) - lineOf(node.getStart(source)) + 1, where: `${relative(root, file)}:${lineOf(node.getStart(source))}`, name });
    }
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      const spec = node.moduleSpecifier.text;
      const from = commandOf(file);
      const to = spec.startsWith('.') ? commandOf(resolve(dirname(file), spec).replace(/\.js$/, '.ts')) : undefined;
      if (from && to && from !== to) commandImports.push(`${relative(root, file)} -> ${spec}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

functions.sort((a, b) => b.lines - a.lines);
console.log(`files: ${files.length}, lines: ${files.reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').length, 0)}`);
console.log('longest functions:');
for (const f of functions.slice(0, 5)) console.log(`  ${f.lines} lines  ${f.name}  ${f.where}`);
console.log(`command-to-command imports: ${commandImports.length}`);
for (const i of commandImports) console.log(`  ${i}`);
