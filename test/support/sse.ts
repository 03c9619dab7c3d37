/** Reads a text stream (server-sent events) until `done(accumulated)` holds, or fails after `ms`. */
export async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean, ms = 5000, soFar = ''): Promise<string> {
  const decoder = new TextDecoder();
  let text = soFar;
  const deadline = Date.now() + ms;
  while (!done(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out; stream so far:\n${text.slice(-2000)}`);
    let timer: NodeJS.Timeout | undefined;
    const chunk = await Promise.race([reader.read(), new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left)))]);
    clearTimeout(timer);
    if (chunk === 'timeout') continue;
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

/** The `data` of every event of one kind in an SSE text, parsed. */
export function eventsOf<T>(text: string, kind: string): T[] {
  const out: T[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n');
    if (!lines.includes(`event: ${kind}`)) continue;
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    if (data) out.push(JSON.parse(data) as T);
  }
  return out;
}
