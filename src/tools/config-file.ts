import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../core/errors.js';
import { checkFileConfig, type FileConfig } from '../core/settings.js';
import { quoted } from '../core/validate.js';

/** A project file as read: its settings, how errors name it, and the folder its relative paths start from. */
export interface ConfigFile {
  config: FileConfig;
  /** mlk.yaml, or the --config / MLK_CONFIG path as given. */
  name: string;
  /** The folder holding the file (relative kubeconfig and templates paths in it start here). */
  dir: string;
}

/**
 * mlk.yaml in the working folder, or the file named by --config / MLK_CONFIG (which must exist);
 * `from` names where that path came from, for the error when it names no file.
 */
export function readConfig(explicit: string | undefined, cwd: string, from: '--config' | 'MLK_CONFIG' = '--config'): ConfigFile {
  const path = explicit === undefined ? join(cwd, 'mlk.yaml') : resolve(cwd, explicit);
  const name = explicit ?? 'mlk.yaml';
  const dir = dirname(path);
  if (!existsSync(path)) {
    if (explicit) throw new UsageError(`${from} ${quoted(explicit)}: no such config file`);
    return { config: {}, name, dir };
  }
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  return { config: checkFileConfig(data, name), name, dir };
}
