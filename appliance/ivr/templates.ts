// `${name}` templating for prompts, assignments, lookups and transfer targets. Deliberately
// tiny: names only, no expressions, so a flow can be checked for unknown variables at save time.

const TOKEN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]{0,63})\}|\$/g;

/** True when every `$` is part of `${name}` or the escape `$$`. */
export function isTemplate(text: string): boolean {
  for (const match of text.matchAll(TOKEN)) if (match[0] === '$') return false;
  return true;
}

/** The variable names a template refers to, in order of first appearance. */
export function templateReferences(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const name = match[1];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Replaces `${name}` with the variable's value ('' when unset) passed through `encode`
 * (e.g. encodeURIComponent in a URL, so a caller number cannot change the URL's shape).
 */
export function renderTemplate(text: string, variables: Readonly<Record<string, string>>, encode: (value: string) => string = (v) => v): string {
  return text.replace(TOKEN, (whole: string, name: string | undefined) => {
    if (whole === '$$' || whole === '$') return '$';
    return encode(Object.hasOwn(variables, name!) ? variables[name!]! : '');
  });
}

/** Encodes a value for the inside of a JSON string literal (POST bodies). */
export function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}
