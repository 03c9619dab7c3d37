// The μ-law frame the media benchmark's generator sends on a stream, derived from its SSRC so
// the benchmark can find every frame of a leg again in that call's recording.
export function benchFrame(ssrc: number): Buffer {
  let seed = ssrc >>> 0 || 1;
  // noise: no stretch of it looks like another, so a match at one offset is the frame itself
  return Buffer.from(Array.from({ length: 160 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
}
