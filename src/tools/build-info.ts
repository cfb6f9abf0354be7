import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, packageVersion } from './package-root.js';

export interface BuildInfo {
  version: string;
  /** The git commit the build was made from, when the build could tell. */
  commit?: string;
}

/** mlk's version from package.json and the commit `npm run build` recorded in dist/build-info.json. */
export function buildInfo(): BuildInfo {
  try {
    const recorded = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'dist', 'build-info.json'), 'utf8')) as { commit?: string };
    return { version: packageVersion(), commit: recorded.commit || undefined };
  } catch {
    return { version: packageVersion() };
  }
}
