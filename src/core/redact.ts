/**
 * Secrets kept out of what mlk prints: command lines (`$ helm ...`, `Running: kubectl ...`, the
 * equivalent command after prompts), error messages and `--debug` stacks. Pure: every printer calls it.
 *
 * The rule (documented in docs and help as "mlk redacts"):
 * - a URL's user information (`https://user:password@host`) becomes `https://REDACTED@host`, in any text;
 * - `KEY=VALUE` whose KEY looks secret (SECRET_KEY below: password, passwd, pwd, secret, token, key,
 *   credential, creds, auth, cookie, session, signature, private, dsn, in any case and anywhere in the
 *   key) keeps its key and shows `KEY=REDACTED`: `--set`, `--set-string`, `--set-json`, `--set-literal`
 *   lists (split at unescaped commas), `--env`, and any such word of a command (`-- env API_TOKEN=x sh`);
 * - the value of a flag whose name looks secret (`--password X`, `--token=X`, `--kube-token X`), except
 *   flags that name a Secret (`--env-from-secret NAME`, any flag ending in `-secret` or `-secrets`): a
 *   name is not a secret;
 * - nothing else: a value that looks harmless is printed as it is. A redacted equivalent command needs
 *   the value filled in again before it is re-run.
 */

export const REDACTED = 'REDACTED';

/** A key or flag name that holds a secret. Over-matching (`author`, `tolerations[0].key`) is accepted: safe side. */
const SECRET_KEY = /pass(word|wd)?|pwd|secret|token|key|credential|creds|auth|cookie|session|signature|private|dsn/i;

/** Flags whose value is a list of KEY=VALUE pairs separated by commas (helm). */
const SET_FLAGS = new Set(['--set', '--set-string', '--set-json', '--set-literal']);

/** Whether a key (`db.password`, `HF_TOKEN`, `apiKey`) looks like it holds a secret. */
export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Whether a flag (`--password`, `--kube-token`) carries a secret value; flags that name a Secret do not. */
function secretFlag(flag: string): boolean {
  const name = flag.replace(/^-+/, '');
  if (/-secrets?$/.test(name) || name === 'secret' || name.startsWith('no-')) return false;
  return looksSecret(name);
}

/** Where a URL's user information ends: the characters that cannot be in it. */
const END_OF_USERINFO = new Set([' ', '\t', '\n', '\r', '/', '?', '#', '@', "'", '"']);

/**
 * Credentials in URLs (`scheme://user:password@host`) replaced, anywhere in a text. One pass over the
 * text (no backtracking regular expression), so a long value costs linear time.
 */
export function redactText(text: string): string {
  let out = '';
  let from = 0;
  let at = text.indexOf('://');
  while (at >= 0) {
    let end = at + 3;
    while (end < text.length && !END_OF_USERINFO.has(text[end]!)) end++;
    if (at > 0 && end > at + 3 && text[end] === '@') {
      out += `${text.slice(from, at + 3)}${REDACTED}`;
      from = end;
    }
    at = text.indexOf('://', Math.max(end, at + 3));
  }
  return from === 0 ? text : out + text.slice(from);
}

/** One KEY=VALUE with its value hidden when the key looks secret. */
function redactPair(pair: string): string {
  const eq = pair.indexOf('=');
  if (eq <= 0) return pair;
  return looksSecret(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
}

/** A helm `--set` list: `a=1,db.password=x` → `a=1,db.password=REDACTED` (a `\,` stays inside its value). */
function redactSetList(list: string): string {
  return list
    .split(/(?<!\\),/)
    .map(redactPair)
    .join(',');
}

/** A command line as words, with the secrets (see above) replaced by REDACTED; the words are not re-quoted. */
export function redactArgv(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = redactText(words[i]!);
    const previous = i > 0 ? words[i - 1]! : '';
    if (SET_FLAGS.has(previous)) {
      out.push(redactSetList(word));
    } else if (previous.startsWith('-') && !previous.includes('=') && secretFlag(previous) && !word.startsWith('-')) {
      out.push(REDACTED);
    } else if (/^--?[^=]+=/.test(word)) {
      const eq = word.indexOf('=');
      const flag = word.slice(0, eq);
      const value = word.slice(eq + 1);
      out.push(SET_FLAGS.has(flag) ? `${flag}=${redactSetList(value)}` : secretFlag(flag) ? `${flag}=${REDACTED}` : `${flag}=${redactPair(value)}`);
    } else {
      out.push(redactPair(word));
    }
  }
  return out;
}
