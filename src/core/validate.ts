import { UsageError } from './errors.js';
import { didYouMean, matchChoice } from './suggest.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;

/** A value quoted in an error: control characters escaped, a long one cut to its first 60 characters. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 60)}...` : value);
}

/** What is wrong with a name (see validateName), or undefined when it is a valid one; for prompts that ask again. */
export function nameProblem(value: string | undefined, what: string, max = 63): string | undefined {
  if (value === undefined || value === '') return `${what} is required`;
  if (value.length > max) return `${what} ${quoted(value)} is too long: at most ${max} characters`;
  if (!DNS1123_LABEL.test(value)) {
    return `${what} ${quoted(value)} is not a valid name: use lower-case letters, digits and '-', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Whether a value can be used as a name as it is (a DNS-1123 label of at most `max` characters). */
export function isName(value: string, max = 63): boolean {
  return nameProblem(value, 'name', max) === undefined;
}

/** Names that become Deployment, Service and label values: DNS-1123 labels, at most `max` characters. */
export function validateName(value: string | undefined, what: string, max = 63): string {
  const problem = nameProblem(value, what, max);
  if (problem) throw new UsageError(problem);
  return value!;
}

/** A DNS-1123 subdomain (lower-case letters, digits, '-' and '.') of at most `max` characters. */
export function isSubdomain(value: string, max = 253): boolean {
  return value.length <= max && DNS1123_SUBDOMAIN.test(value);
}

export function validateSubdomain(value: string, what: string): string {
  if (!isSubdomain(value)) {
    throw new UsageError(`${what} ${quoted(value)} is not a valid name: use lower-case letters, digits, '-' and '.'`);
  }
  return value;
}

export function parseInteger(value: string | number | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) throw new UsageError(`${flag} needs a value`);
  const text = String(value).trim();
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag} ${quoted(text)} is not a whole number`);
  const n = Number(text);
  if (n < min) throw new UsageError(`${flag} must be at least ${min}, got ${n}`);
  if (n > max) throw new UsageError(`${flag} must be at most ${max}, got ${n}`);
  return n;
}

export function parsePort(value: string | number, flag: string): number {
  return parseInteger(value, flag, 1, 65535);
}

/** Kubernetes resource quantities (250m, 64Mi, 1.5, 2Gi); rejects look-alikes such as 64Mb or -1. */
export function validateQuantity(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (!QUANTITY.test(text)) {
    const hint = /^\d+(\.\d+)?\s*[kKmMgGtT][bB]$/.test(text) ? ` (did you mean ${text.slice(0, -1).replace(/[kmgt]$/, (c) => c.toUpperCase())}i?)` : '';
    throw new UsageError(`${flag} ${quoted(text)} is not a Kubernetes quantity such as 500m, 2, 64Mi or 10Gi${hint}`);
  }
  return text;
}

const MIB = 2 ** 20;

/**
 * A memory or storage size (--memory, --memory-limit, --shm-size, --pvc-size): a quantity of at least
 * 1Mi. A smaller one is a forgotten unit (`--memory-limit 8` is 8 bytes), refused with the likely
 * meaning: `likely` is the unit a bare number most probably meant (storage: Gi; memory: Gi below 100, else Mi).
 */
export function validateByteSize(value: string | undefined, flag: string, likely: 'memory' | 'storage' = 'memory'): string | undefined {
  const text = validateQuantity(value, flag);
  if (text === undefined) return undefined;
  const bytes = quantityValue(text);
  if (bytes >= MIB) return text;
  const match = /^[+]?(\d+(?:\.\d*)?|\.\d+)(m|k|Ki|M)?$/.exec(text);
  const n = match ? Number(match[1]) : 0;
  const unit = !match || n === 0 ? undefined : match[2] === 'M' ? 'Gi' : match[2] ? 'Mi' : likely === 'storage' || n < 100 ? 'Gi' : 'Mi';
  const amount = `${Number(bytes.toPrecision(6))} ${bytes === 1 ? 'byte' : 'bytes'}`;
  throw new UsageError(
    `${flag} ${quoted(text)} is ${amount}, less than 1Mi (${unit ? `did you mean ${match![1]}${unit}?` : 'give a size with a unit, such as 512Mi or 8Gi'})`,
  );
}

/** Parses a quantity into a number of base units (cores, bytes), for comparisons. */
export function quantityValue(text: string): number {
  const match = /^[+]?(\d+(?:\.\d*)?|\.\d+)([a-zA-Z]*|[eE][+-]?\d+)?$/.exec(text.trim());
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  const suffix = match[2] ?? '';
  const factors: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  if (/^[eE]/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  const factor = factors[suffix];
  return factor === undefined ? Number.NaN : n * factor;
}

export function parseKeyValue(entry: string, flag: string): [string, string] {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} ${quoted(entry)} must look like KEY=VALUE`);
  const key = entry.slice(0, eq);
  // Kubernetes also refuses '.', and a name starting with '..' (a name must not read as a folder change).
  if (!ENV_NAME.test(key) || key === '.' || key.startsWith('..')) {
    throw new UsageError(`${flag} ${quoted(entry)}: ${quoted(key)} is not a valid environment variable name`);
  }
  return [key, entry.slice(eq + 1)];
}

const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A label value such as a GPU product name: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && QUALIFIED_NAME.test(value);
}

/** An annotation or label key as Kubernetes takes it: [prefix/]name, the prefix a DNS subdomain, the name at most 63 characters. */
function isQualifiedKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** KEY=VALUE annotations (--pod-annotation): a valid key each, and no key given twice. */
export function validateAnnotations(entries: string[], flag = '--pod-annotation'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq) : '';
    if (!isQualifiedKey(key)) throw new UsageError(`${flag} ${quoted(entry)} must look like KEY=VALUE with a valid annotation key such as example.com/owner`);
    if (Object.hasOwn(out, key)) throw new UsageError(`${flag} ${key} is given twice`);
    out[key] = entry.slice(eq + 1);
  }
  return out;
}

/**
 * A value that must be one of a fixed set, returned in its canonical spelling: `nodeport` is NodePort,
 * `vLLM` is vllm (case is ignored where no two choices differ only in case). A typo gets the closest
 * choice suggested: `--server "vlm" is not one of tf-serving, ..., custom; did you mean vllm?`.
 */
export function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  const choice = matchChoice(value, allowed);
  if (choice === undefined) {
    throw new UsageError(`${flag} ${quoted(value)} is not one of ${allowed.join(', ')}${didYouMean(value, allowed)}`);
  }
  return choice;
}

/** A path inside a container (--model-path, --probe-path, --workdir): absolute, no spaces or control characters, at most 4096 characters. */
export function validateAbsolutePath(value: string, flag: string, example: string): string {
  if (value.length > 4096) throw new UsageError(`${flag} ${quoted(value)} is too long: at most 4096 characters`);
  if (!value.startsWith('/') || /\s/.test(value) || CONTROL.test(value))
    throw new UsageError(`${flag} ${quoted(value)} must be an absolute path such as ${example}, without spaces`);
  return value;
}

/** Image references: no spaces or control characters, a plausible name[:tag][@digest]. */
export function validateImage(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  if (value.length > 4096) throw new UsageError(`${flag} ${quoted(value)} is too long for an image reference: at most 4096 characters`);
  // One unambiguous character class after the first: linear on any input.
  if (!/^[a-z0-9][._\-/:@a-zA-Z0-9]*$/.test(value)) {
    throw new UsageError(`${flag} ${quoted(value)} is not a valid image reference such as nginx:1.27 or registry.example.com/team/model:v2`);
  }
  return value;
}

const REGISTRY_PATH_PART = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * A registry prefix for images (--registry, MLK_REGISTRY, mlk.yaml registry): HOST[:PORT][/PATH...],
 * the host a DNS name or localhost, each path part lower-case letters and digits joined by '.', '_', '__' or '-'.
 */
export function validateRegistry(value: string, what: string): string {
  const parts = value.replace(/\/$/, '').split('/');
  const [host, ...path] = parts;
  const match = /^([^:]*)(?::(\d{1,5}))?$/.exec(host ?? '');
  const hostOk = match !== null && (match[1] === 'localhost' || isSubdomain(match[1]!)) && match[1]!.split('.').every((l) => l.length <= 63);
  const ok = value.length > 0 && value.length <= 255 && hostOk && path.every((p) => REGISTRY_PATH_PART.test(p));
  if (!ok) throw new UsageError(`${what} ${quoted(value)} is not a registry such as registry.example.com or localhost:5000/team`);
  return value;
}

/** An extended resource name such as nvidia.com/gpu or amd.com/gpu (--gpu-resource, MLK_GPU_RESOURCE, mlk.yaml gpuResource). */
export function validateExtendedResource(value: string, what: string): string {
  const slash = value.indexOf('/');
  const prefix = value.slice(0, Math.max(slash, 0));
  const ok = slash > 0 && prefix.includes('.') && isQualifiedKey(value) && prefix !== 'kubernetes.io' && !prefix.endsWith('.kubernetes.io');
  if (!ok) throw new UsageError(`${what} ${quoted(value)} is not an extended resource name such as nvidia.com/gpu or amd.com/gpu`);
  return value;
}

/** A label key such as nvidia.com/gpu.product: [prefix/]name, the prefix a DNS subdomain, the name at most 63 characters. */
export function validateLabelKey(value: string, what: string): string {
  if (!isQualifiedKey(value)) throw new UsageError(`${what} ${quoted(value)} is not a label key such as nvidia.com/gpu.product`);
  return value;
}

/** A kubeconfig context name: printable ASCII with no spaces, starting with a letter or digit, at most 253 characters. */
export function validateContextName(value: string, what: string): string {
  if (!/^[A-Za-z0-9][\x21-\x7e]*$/.test(value) || value.length > 253) {
    throw new UsageError(`${what} ${quoted(value)} is not a kubeconfig context name (see them with: kubectl config get-contexts)`);
  }
  return value;
}

/** A file or folder path given as a setting or flag: not empty or blank, no control characters, not starting with '-', at most 4096 characters. */
export function validatePath(value: string, what: string): string {
  if (value.trim() === '' || value.length > 4096 || value.startsWith('-') || CONTROL.test(value)) {
    throw new UsageError(`${what} ${quoted(value)} is not a usable path`);
  }
  return value;
}

/**
 * One line of text of at most `max` characters: a longer value, or one holding a line break or another
 * control character, is refused before its own rule quotes it (the error stays one short line).
 */
export function validateLine(value: string, what: string, max = 253): string {
  if (value.length > max) throw new UsageError(`${what} ${quoted(value)} is too long: ${value.length} characters, at most ${max}`);
  if (CONTROL.test(value)) throw new UsageError(`${what} ${quoted(value)} holds a line break or other control character`);
  return value;
}

const TIME_ZONE_PART = /^[A-Za-z0-9._+-]{1,14}$/;

/** Whether the time zone database (ICU's, close to the API server's Go one) knows a name. */
function knownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * A CronJob's time zone (--time-zone), as the API server checks it: IANA names whose parts (between '/')
 * have 1 to 14 of A-Z a-z 0-9 . _ + -, are not . or .. and do not start with '-'; not Local; a zone that exists.
 */
export function validateTimeZone(value: string, what: string): string {
  const wellFormed = value.split('/').every((p) => TIME_ZONE_PART.test(p) && p !== '.' && p !== '..' && !p.startsWith('-'));
  if (!wellFormed || value.toLowerCase() === 'local' || !knownTimeZone(value)) {
    throw new UsageError(`${what} ${quoted(value)} is not a time zone name such as Europe/Berlin or UTC`);
  }
  return value;
}

/** A label value in a selector: empty, or a label value. */
const isSelectorValue = (value: string) => value === '' || isLabelValue(value);

/**
 * A label selector as the API server parses it (-l/--selector): terms separated by commas, each KEY, !KEY,
 * KEY=VALUE, KEY==VALUE, KEY!=VALUE, KEY in (V1,V2), KEY notin (V1,V2), KEY>N or KEY<N, with label keys and values.
 */
export function validateLabelSelector(value: string, what: string): string {
  const terms = value.length > 4096 || CONTROL.test(value) ? [] : value.split(/,(?![^(]*\))/).map((t) => t.trim());
  const valid = (term: string): boolean => {
    let m = /^!\s*(\S+)$/.exec(term);
    if (m) return isQualifiedKey(m[1]!);
    m = /^(\S+)\s+(?:in|notin)\s*\(([^()]*)\)$/.exec(term);
    if (m) {
      const values = m[2]!.split(',').map((v) => v.trim());
      return isQualifiedKey(m[1]!) && values.length > 0 && values.every((v) => v !== '' && isLabelValue(v));
    }
    m = /^([^\s=!<>]+)\s*(?:==|!=|=)\s*(\S*)$/.exec(term);
    if (m) return isQualifiedKey(m[1]!) && isSelectorValue(m[2]!);
    m = /^([^\s=!<>]+)\s*[<>]\s*(\d+)$/.exec(term);
    if (m) return isQualifiedKey(m[1]!);
    return isQualifiedKey(term);
  };
  if (terms.length === 0 || !terms.every(valid)) {
    throw new UsageError(`${what} ${quoted(value)} is not a label selector such as app=web or 'tier in (a,b)'`);
  }
  return value;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^(?=.*:)[0-9A-Fa-f:.]{2,45}$/;

/** Addresses to listen on (port-forward --address): localhost or IP addresses, separated by commas, as kubectl takes them. */
export function validateListenAddresses(value: string, what: string): string {
  const ok = value.length <= 1024 && value.split(',').every((a) => a === 'localhost' || IPV4.test(a) || (IPV6.test(a) && (a.match(/::/g) ?? []).length <= 1));
  if (!ok) throw new UsageError(`${what} ${quoted(value)} must be localhost or IP addresses separated by commas, e.g. localhost,0.0.0.0`);
  return value;
}

/** A chart repository URL (helm --repo): a scheme (https, http, or a helm getter plugin's such as s3) and no spaces. */
export function validateRepoUrl(value: string, what: string): string {
  if (value.length > 2048 || CONTROL.test(value) || !/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/]\S*$/.test(value)) {
    throw new UsageError(`${what} ${quoted(value)} is not a chart repository URL such as https://charts.example.com`);
  }
  return value;
}

/** A chart version or range as helm's --version takes it: 9.1.0, v1.2.3, ^9.1, ~1.2, 1.x, >=1.0 <2.0. */
export function validateChartVersionRange(value: string, what: string): string {
  const ok = value.length <= 128 && /^[0-9A-Za-z.+\-^~*<>=!|, ]+$/.test(value) && !/^\s*-/.test(value) && /[0-9*xX]/.test(value);
  if (!ok) throw new UsageError(`${what} ${quoted(value)} is not a chart version or range such as 9.1.0 or ^9.1`);
  return value;
}

/** Splits at the commas helm's --set splits at: not escaped (\,) and not inside a {a,b} list. */
function helmAssignments(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[++i];
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  return [...parts, current];
}

/** One part of a helm values path: a name (\. for a dot in it), then [N] list indexes; no spaces or control characters. */
const HELM_KEY_PART = /^(?:\\.|[^\s\\[\]])+(?:\[\d+\])*$/u;

/**
 * A helm --set or --set-string value: KEY=VALUE assignments separated by commas, as helm reads them.
 * Each KEY is a values path (image.tag, hosts[0].name); a VALUE that starts with { is a list {a,b}.
 * Refused here what helm refuses (or silently drops: an empty key), and keys with spaces (`a = b` sets "a ").
 */
export function validateHelmSet(value: string, what: string): string {
  for (const part of helmAssignments(value)) {
    const eq = part.search(/(?<!\\)=/);
    if (eq <= 0) throw new UsageError(`${what} ${quoted(value)} must look like KEY=VALUE (several separated by commas)`);
    const key = part.slice(0, eq);
    if (CONTROL.test(key) || !key.split(/(?<!\\)\./).every((k) => HELM_KEY_PART.test(k))) {
      throw new UsageError(`${what} ${quoted(value)}: ${quoted(key)} is not a values path such as image.tag or hosts[0].name`);
    }
    const v = part.slice(eq + 1);
    if (v.startsWith('{') && !/^\{[^{}]*\}$/.test(v)) throw new UsageError(`${what} ${quoted(value)}: a value in braces is a list such as {a,b}`);
  }
  return value;
}
