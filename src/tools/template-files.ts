import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { TemplateSource } from '../core/templates.js';
import { PACKAGE_ROOT } from './package-root.js';

export const BUILTIN_TEMPLATES = join(PACKAGE_ROOT, 'templates');

/** Templates from the user's folder where it has one of that name, else mlk's own. */
export function templateFiles(userFolder: string | undefined): TemplateSource {
  if (userFolder && !existsSync(userFolder)) throw new UsageError(`templates folder ${userFolder} does not exist`);
  return (name) => {
    const own = userFolder ? join(userFolder, `${name}.yaml`) : undefined;
    const path = own && existsSync(own) ? own : join(BUILTIN_TEMPLATES, `${name}.yaml`);
    try {
      return { text: readFileSync(path, 'utf8'), source: path };
    } catch (error) {
      throw new UsageError(`cannot read template ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
}
