/**
 * What to send for a GET of a file of `size` bytes with these request headers, per RFC 9110:
 * one byte range (§14.1.2) as 206 with Content-Range (§14.4), 416 with `bytes *\/size` when
 * unsatisfiable (§15.5.17), the whole file when there is no Range or If-Range (§13.1.5) names
 * another version of it. Several ranges in one request are answered with the whole file,
 * which §14.2 allows and the appliance's downloader never asks for anyway.
 */
export type RangeAnswer =
  | { status: 200; start: 0; end: number }
  | { status: 206; start: number; end: number; contentRange: string }
  | { status: 416; contentRange: string };

export function answerRange(size: number, range: string | undefined, ifRange: string | undefined, etag: string): RangeAnswer {
  const whole = { status: 200 as const, start: 0 as const, end: size };
  if (range === undefined) return whole;
  // An If-Range that does not match the current entity tag means "send me all of it".
  if (ifRange !== undefined && ifRange !== etag) return whole;
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === '' && m[2] === '')) return whole;
  let start: number;
  let end: number;
  if (m[1] === '') {
    // A suffix: the last N bytes.
    const n = Number(m[2]);
    if (n === 0) return { status: 416, contentRange: `bytes */${size}` };
    start = Math.max(0, size - n);
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
    if (m[2] !== '' && Number(m[2]) < start) return whole; // invalid range: ignored (§14.1.1)
  }
  if (start >= size) return { status: 416, contentRange: `bytes */${size}` };
  return { status: 206, start, end, contentRange: `bytes ${start}-${end - 1}/${size}` };
}
