import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../core/errors.js';
import { checkFileConfig, type FileConfig } from '../core/settings.js';

/** mlk.yaml in the working folder, or the file named by --config / MLK_CONFIG (which must exist). */
export function readConfigFile(explicit: string | undefined, cwd: string): FileConfig {
  const path = explicit ?? join(cwd, 'mlk.yaml');
  if (!existsSync(path)) {
    if (explicit) throw new UsageError(`config file ${explicit} does not exist`);
    return {};
  }
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  return checkFileConfig(data, path);
}
