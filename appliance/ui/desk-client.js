// The agent WebSocket: requests with ids answered by results, desk events pushed. Reconnects
// with backoff; every (re)connect is announced so the page asks for a fresh snapshot.

export class DeskClient extends EventTarget {
  #ws;
  #nextId = 1;
  #pending = new Map();
  #backoff = 500;
  #closed = false;

  constructor(url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/desk/ws`) {
    super();
    this.url = url;
    this.#open();
  }

  get connected() {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  #open() {
    const ws = new WebSocket(this.url);
    this.#ws = ws;
    ws.addEventListener('message', (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg.type === 'result') {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        p?.resolve(msg.result);
      } else if (msg.type === 'event') {
        this.dispatchEvent(new CustomEvent('desk', { detail: { name: msg.name, data: msg.data } }));
      } else if (msg.type === 'hello') {
        this.#backoff = 500;
        this.dispatchEvent(new CustomEvent('open', { detail: msg }));
      }
    });
    ws.addEventListener('close', (e) => {
      for (const p of this.#pending.values()) p.resolve({ ok: false, error: { code: 'unavailable', message: 'connection lost' } });
      this.#pending.clear();
      this.dispatchEvent(new CustomEvent('close', { detail: { code: e.code } }));
      // 4401: the session ended; the page goes to the login.
      if (this.#closed || e.code === 4401) return;
      setTimeout(() => this.#open(), this.#backoff);
      this.#backoff = Math.min(this.#backoff * 2, 10_000);
    });
  }

  /** Sends a request; resolves with the desk's result value ({ ok, ... }), never rejects. */
  request(type, args = {}) {
    if (!this.connected) return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'not connected' } });
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve });
      this.#ws.send(JSON.stringify({ id, type, ...args }));
    });
  }

  close() {
    this.#closed = true;
    this.#ws?.close();
  }
}
