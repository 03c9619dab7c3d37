// Caller number patterns in the dial-plan style telephony admins already know (Asterisk):
// a pattern starting with `_` uses X = 0-9, Z = 1-9, N = 2-9, [1-5] = a set or range,
// `.` = one or more of anything, `!` = zero or more; anything else is an exact number.

/** The pattern as an anchored RegExp, or undefined when it is malformed. */
export function compileCallerPattern(pattern: string): RegExp | undefined {
  if (pattern === '' || pattern.length > 64) return undefined;
  if (!pattern.startsWith('_')) return /^\+?[0-9*#A-D]+$/.test(pattern) ? new RegExp(`^${escape(pattern)}$`) : undefined;
  let source = '';
  const body = pattern.slice(1);
  if (body === '') return undefined;
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i]!;
    if (c === 'X' || c === 'x') source += '[0-9]';
    else if (c === 'Z' || c === 'z') source += '[1-9]';
    else if (c === 'N' || c === 'n') source += '[2-9]';
    else if (c === '.') source += '.+';
    else if (c === '!') source += '.*';
    else if (c === '[') {
      const end = body.indexOf(']', i);
      const set = end < 0 ? '' : body.slice(i + 1, end);
      if (!/^([0-9](-[0-9])?)+$/.test(set)) return undefined;
      source += `[${set}]`;
      i = end;
    } else if (/[0-9*#+]/.test(c)) source += escape(c);
    else return undefined;
  }
  return new RegExp(`^${source}$`);
}

function escape(text: string): string {
  return text.replace(/[*+#]/g, (c) => `\\${c}`);
}

const cache = new Map<string, RegExp | undefined>();

/** True when `number` matches any of the patterns (malformed patterns never match). */
export function callerMatches(number: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (!cache.has(p)) {
      if (cache.size > 10_000) cache.clear(); // patterns come from saved flows: a bound, not a working set
      cache.set(p, compileCallerPattern(p));
    }
    return cache.get(p)?.test(number) ?? false;
  });
}
