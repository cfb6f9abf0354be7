/**
 * "Did you mean" for words the user typed: one rule for choices of flags (oneOf), commander's
 * `.choices()` options and other near misses. Pure: strings in, strings out.
 */

/** Edits (insert, delete, replace, swap two neighbours) that turn a into b: the optimal string alignment distance. */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** How many edits still read as a typo of a word of this length: 1 up to 4 letters, 2 up to 8, then 3. */
function typoBudget(length: number): number {
  return length <= 4 ? 1 : length <= 8 ? 2 : 3;
}

/**
 * The candidates a mistyped word most likely meant, case ignored: the nearest by edit distance
 * within a typo's reach, else the one candidate the word begins (at least two letters). Several
 * when they are equally near; none when nothing is close.
 */
export function closest(word: string, candidates: readonly string[]): string[] {
  const typed = word.trim().toLowerCase();
  if (typed === '') return [];
  let best: string[] = [];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of new Set(candidates)) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance > typoBudget(Math.max(typed.length, candidate.length)) || distance >= candidate.length) continue;
    if (distance < bestDistance) [best, bestDistance] = [[candidate], distance];
    else if (distance === bestDistance) best.push(candidate);
  }
  if (best.length > 0) return best;
  const prefixed = candidates.filter((c) => typed.length >= 2 && c.toLowerCase().startsWith(typed));
  return prefixed.length === 1 ? prefixed : [];
}

/** A list for prose: "a", "a or b", "a, b or c". */
function either(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** "; did you mean X?" (or "X or Y?") when a candidate is close to the word; '' when none is. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  return near.length ? `; did you mean ${either(near)}?` : '';
}

/**
 * The choice a value names: the exact spelling, else the one choice that matches with case ignored
 * (a Service type, preset or format has one spelling, so `nodeport` can only mean NodePort).
 * Undefined when none matches, or when two choices differ only in case.
 */
export function matchChoice<T extends string>(value: string, choices: readonly T[]): T | undefined {
  if ((choices as readonly string[]).includes(value)) return value as T;
  const lower = value.toLowerCase();
  const matches = choices.filter((c) => c.toLowerCase() === lower);
  return matches.length === 1 ? matches[0] : undefined;
}
