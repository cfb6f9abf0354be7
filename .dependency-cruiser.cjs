// The layer rules of src/ (see ARCHITECTURE / design notes), checked by `npm run check:deps`:
//
//   cli (main, program, session)  ->  commands  ->  flags, actions  ->  core, kube, tools  ->  ui
//
// core is pure (no I/O, no runtime import of anything outside core); a command module never imports
// another command module; nothing below commands imports commands or cli; ui stands alone; no cycles.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      severity: 'error',
      comment:
        'core/ holds validation, planning and domain types: it may import only core/ at run time. ' +
        'Type-only imports (import type ...) are allowed; move what you need into core or pass it in.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-no-builtins',
      severity: 'error',
      comment: 'core/ is pure: no node: builtins (fs, net, process, child_process, ...). Do the I/O in actions/, kube/ or tools/.',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-pure-packages-only',
      severity: 'error',
      comment: 'core/ may use pure data libraries only (yaml). No chalk, ora, prompts, execa or client-node.',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'], pathNot: '(?:^|/)node_modules/yaml/' },
    },
    {
      name: 'no-command-to-command',
      severity: 'error',
      comment:
        'A command module (src/commands/X.ts or src/commands/X/**) imports only inside its own folder, never another command. ' +
        'Shared code belongs in actions/, flags/ or ui/.',
      from: { path: '^src/commands/([^/]+?)(?:[.]ts$|/)' },
      to: { path: '^src/commands/', pathNot: '^src/commands/$1(?:[.]ts$|/)' },
    },
    {
      name: 'no-upward-to-commands-or-cli',
      severity: 'error',
      comment: 'flags/, actions/, kube/, tools/ and core/ sit below the commands: they never import commands/ or cli/ (not even types).',
      from: { path: '^src/(?:flags|actions|kube|tools|core)/' },
      to: { path: '^src/(?:commands|cli)/' },
    },
    {
      name: 'no-upward-to-flags-or-actions',
      severity: 'error',
      comment: 'kube/, tools/ and core/ sit below flags/ and actions/: they never import them (not even types).',
      from: { path: '^src/(?:kube|tools|core)/' },
      to: { path: '^src/(?:flags|actions)/' },
    },
    {
      name: 'ui-stands-alone',
      severity: 'error',
      comment: 'ui/ (streams, prompter, spinner, printers, colours) imports nothing of ours except ui/, and types from core/.',
      from: { path: '^src/ui/' },
      to: { path: '^src/', pathNot: '^src/(?:ui|core)/' },
    },
    {
      name: 'ui-core-types-only',
      severity: 'error',
      comment: 'ui/ may import types from core/, not its code.',
      from: { path: '^src/ui/' },
      to: { path: '^src/core/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No dependency cycles (dynamic and type-only imports count: a cycle is a layering mistake either way).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that cannot be resolved: a typo, a missing package, or a resolution setting that hides edges from these rules.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'A package imported by src/ but not listed in package.json dependencies: it works here only by accident of hoisting.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'src/ is shipped: it may not import devDependencies at run time (type-only imports are fine).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: '(?:^|/)node_modules/@types/' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    detectProcessBuiltinModuleCalls: true,
    // keep `import type` edges so that the rules above can tell type-only imports apart
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      archi: { collapsePattern: '^src/[^/]+|node_modules/(?:@[^/]+/[^/]+|[^/]+)' },
    },
  },
};
