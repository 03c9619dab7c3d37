// A console user over HTTP: logs in, keeps the session cookie and CSRF token, calls the API.
import assert from 'node:assert/strict';

export class ConsoleClient {
  private constructor(
    readonly baseUrl: string,
    readonly cookie: string,
    readonly csrf: string,
  ) {}

  static async login(baseUrl: string, username: string, password: string): Promise<ConsoleClient> {
    const res = await fetch(`${baseUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    assert.equal(res.status, 200, await res.clone().text());
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return new ConsoleClient(baseUrl, cookie, csrfToken);
  }

  fetch(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  /** Calls and parses JSON, asserting the status. */
  async json<T = Record<string, unknown>>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
    const res = await this.fetch(method, path, body);
    const text = await res.text();
    assert.equal(res.status, status, `${method} ${path}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
