/** A prompt answer checked by the flag's own rule (a function that throws its UsageError): true, or the rule's message. */
export function byRule(check: () => unknown): true | string {
  try {
    check();
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
