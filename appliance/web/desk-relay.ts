// The agent desk exists only once telephony runs (when the configuration has a SIP section,
// which may arrive after boot, and again after a telephony restart). The web server starts at
// boot, so it talks to this relay: calls go to the current desk or are refused as
// `unavailable`, and the current desk's events are re-emitted here.
import { EventEmitter } from 'node:events';
import type { AgentDesk } from '../desk/agent-desk.ts';
import type { AgentDeskEvents, DeskResult } from '../desk/desk-types.ts';
import { DESK_EVENT_NAMES, type DeskPort } from './desk-protocol.ts';

const unavailable = { ok: false as const, error: { code: 'unavailable' as const, message: 'telephony is not running on this appliance yet' } };

export class DeskRelay extends EventEmitter<AgentDeskEvents> implements DeskPort {
  readonly #current: () => AgentDesk | undefined;
  #attached: AgentDesk | undefined;
  readonly #forwarders = DESK_EVENT_NAMES.map((name) => [name, (...args: unknown[]) => (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args)] as const);
  readonly #timer: NodeJS.Timeout;

  /** `current` returns the running desk, if any; it is looked up at each call and every `pollMs`. */
  constructor(current: () => AgentDesk | undefined, pollMs = 1000) {
    super();
    this.#current = current;
    this.#timer = setInterval(() => this.#desk(), pollMs);
    this.#timer.unref();
    this.#desk();
  }

  #desk(): AgentDesk | undefined {
    const desk = this.#current();
    if (desk !== this.#attached) {
      for (const [name, f] of this.#forwarders) this.#attached?.off(name, f as never);
      this.#attached = desk;
      for (const [name, f] of this.#forwarders) desk?.on(name, f as never);
    }
    return desk;
  }

  /** Whether a desk runs now (telephony started). */
  get running(): boolean {
    return this.#desk() !== undefined;
  }

  close(): void {
    clearInterval(this.#timer);
    for (const [name, f] of this.#forwarders) this.#attached?.off(name, f as never);
    this.#attached = undefined;
  }

  verifyPassword: AgentDesk['verifyPassword'] = (agentId, password) => this.#desk()?.verifyPassword(agentId, password) ?? false;
  login: AgentDesk['login'] = async (a, o) => this.#desk()?.login(a, o) ?? unavailable;
  logout: AgentDesk['logout'] = async (a) => this.#desk()?.logout(a) ?? unavailable;
  setPresence: AgentDesk['setPresence'] = (a, p) => this.#desk()?.setPresence(a, p) ?? unavailable;
  answer: AgentDesk['answer'] = async (a, c) => this.#desk()?.answer(a, c) ?? unavailable;
  reject: AgentDesk['reject'] = (a, c) => this.#desk()?.reject(a, c) ?? unavailable;
  hangup: AgentDesk['hangup'] = (a, c) => this.#desk()?.hangup(a, c) ?? unavailable;
  hold: AgentDesk['hold'] = async (a, c) => this.#desk()?.hold(a, c) ?? unavailable;
  retrieve: AgentDesk['retrieve'] = async (a, c) => this.#desk()?.retrieve(a, c) ?? unavailable;
  transfer: AgentDesk['transfer'] = async (a, c, t) => this.#desk()?.transfer(a, c, t) ?? unavailable;
  dial: AgentDesk['dial'] = async (a, n) => this.#desk()?.dial(a, n) ?? unavailable;
  completeWrapUp: AgentDesk['completeWrapUp'] = async (a, c, o) => this.#desk()?.completeWrapUp(a, c, o) ?? unavailable;
  snapshot: AgentDesk['snapshot'] = (a) => this.#desk()?.snapshot(a) ?? unavailable;
  rtpCapabilities: AgentDesk['rtpCapabilities'] = async () => {
    const desk = this.#desk();
    if (!desk) throw new Error(unavailable.error.message);
    return desk.rtpCapabilities();
  };
  setRtpCapabilities: AgentDesk['setRtpCapabilities'] = (a, c) => this.#desk()?.setRtpCapabilities(a, c) ?? unavailable;
  connectTransport: AgentDesk['connectTransport'] = async (a, c, t, d) => this.#desk()?.connectTransport(a, c, t, d) ?? unavailable;
  produce: AgentDesk['produce'] = async (a, c, t, k, r): Promise<DeskResult<{ id: string }>> => this.#desk()?.produce(a, c, t, k, r) ?? unavailable;
}
