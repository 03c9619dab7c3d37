// Framing of SIP over a byte stream (RFC 3261 §18.3): a message ends Content-Length bytes
// after the empty line. CRLF keepalives between messages are skipped (§7.5, RFC 5626 §4.4.1).
// Limits keep a hostile peer from growing the buffer: past them the connection is dropped.

export type FramerOutput = { messages: Buffer[]; pings: number; error?: string };

const headerEnd = Buffer.from('\r\n\r\n');
const contentLengthRe = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})[ \t]*$/im;

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxMessageSize = 65_535) {}

  push(chunk: Buffer): FramerOutput {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out: FramerOutput = { messages: [], pings: 0 };
    for (;;) {
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a)) start++;
      if (start >= 4 && this.buffer.subarray(0, 4).equals(headerEnd)) out.pings++;
      this.buffer = this.buffer.subarray(start);
      if (!this.buffer.length) return out;
      const end = this.buffer.indexOf(headerEnd);
      if (end < 0) {
        if (this.buffer.length > this.maxMessageSize) return { ...out, error: 'header section too large' };
        return out;
      }
      const head = this.buffer.toString('latin1', 0, end);
      const m = contentLengthRe.exec(head);
      if (!m) return { ...out, error: 'Content-Length missing on a stream transport' };
      const total = end + 4 + Number(m[1]);
      if (total > this.maxMessageSize) return { ...out, error: 'message too large' };
      if (this.buffer.length < total) return out;
      out.messages.push(Buffer.from(this.buffer.subarray(0, total)));
      this.buffer = this.buffer.subarray(total);
    }
  }

  get buffered(): number {
    return this.buffer.length;
  }
}
