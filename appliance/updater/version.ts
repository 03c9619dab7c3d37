/**
 * Versions are `major.minor.patch` with an optional pre-release (`1.4.0-rc.2`), compared as
 * SemVer 2.0.0 §11 orders them, so anti-rollback can tell which of two versions is newer.
 */
export interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: (string | number)[];
}

const PATTERN = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseVersion(text: string): Version | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const pre = m[4] === undefined ? [] : m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre };
}

export function isVersion(text: string): boolean {
  return parseVersion(text) !== undefined;
}

/** Negative if a < b, 0 if equal, positive if a > b. Throws on text that is not a version. */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) throw new Error(`cannot compare ${JSON.stringify(a)} with ${JSON.stringify(b)}: not both versions`);
  for (const k of ['major', 'minor', 'patch'] as const) if (va[k] !== vb[k]) return va[k] - vb[k];
  // A pre-release sorts before its release (§11.3).
  if (va.pre.length === 0 || vb.pre.length === 0) return vb.pre.length - va.pre.length;
  for (let i = 0; i < Math.max(va.pre.length, vb.pre.length); i++) {
    const x = va.pre[i];
    const y = vb.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
