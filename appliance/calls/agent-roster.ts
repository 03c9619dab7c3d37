// The desk's view of each agent: logged in or not, on which device, the state the ACD last
// recorded, the pending offer, calls and wrap-ups. The ACD stays the authority on routing
// state; this keeps what the desktop must be able to redraw (snapshot) and emits `state`.
import type { AgentState } from '../acd/agent-states.ts';
import type { AcdCommand } from '../acd/commands.ts';
import type { AcdEventInput } from '../acd/events.ts';
import type { AgentDesk } from '../desk/agent-desk.ts';
import type {
  AgentDevice, AgentStateEvent, CallEvent, DeskError, DeskResult, DeskSnapshot, LoginOptions, OfferEvent, PresenceRequest, RtpCapabilities, WrapUpEvent,
} from '../desk/desk-types.ts';
import { queuesOf, type CallSettings } from './call-settings.ts';

export interface AgentRt {
  id: string;
  loggedIn: boolean;
  device: AgentDevice;
  state: AgentStateEvent;
  offer?: OfferEvent | undefined;
  calls: Set<string>;
  callEvents: Map<string, CallEvent>;
  wrapUps: Map<string, WrapUpEvent>;
  rtpCaps?: RtpCapabilities;
}

export function deskError(code: DeskError['code'], message: string): { ok: false; error: DeskError } {
  return { ok: false, error: { code, message } };
}

type Dispatch = (event: AcdEventInput) => AcdCommand[];

function refusal(commands: AcdCommand[]): string | undefined {
  const r = commands.find((c) => c.type === 'Refused');
  return r?.type === 'Refused' ? r.reason : undefined;
}

export class AgentRoster {
  readonly #agents = new Map<string, AgentRt>();

  constructor(
    private readonly desk: AgentDesk,
    private readonly settings: () => CallSettings,
    private readonly now: () => number,
  ) {}

  get(agentId: string): AgentRt | undefined {
    if (!this.settings().agents.has(agentId)) return undefined;
    let a = this.#agents.get(agentId);
    if (!a) {
      a = { id: agentId, loggedIn: false, device: 'browser', state: { state: 'logged-out', since: this.now() }, calls: new Set(), callEvents: new Map(), wrapUps: new Map() };
      this.#agents.set(agentId, a);
    }
    return a;
  }

  login(agentId: string, options: LoginOptions, dispatch: Dispatch): DeskResult<{ snapshot: DeskSnapshot }> {
    const agent = this.get(agentId);
    if (!agent) return deskError('unknown-agent', `no agent ${agentId}`);
    const device = options.device ?? 'browser';
    if (device === 'phone' && !this.settings().desk.agents.find((a) => a.id === agentId)?.phone) {
      return deskError('invalid', `agent ${agentId} has no desk phone configured`);
    }
    if (agent.loggedIn) {
      // a second login (page reload) keeps the session; it may switch the device
      agent.device = device;
      return { ok: true, snapshot: this.snapshot(agentId) };
    }
    agent.device = device;
    const why = refusal(dispatch({ type: 'AgentLoggedIn', agentId }));
    if (why) return deskError('not-allowed', why);
    agent.loggedIn = true;
    return { ok: true, snapshot: this.snapshot(agentId) };
  }

  logout(agentId: string, dispatch: Dispatch): DeskResult {
    const agent = this.get(agentId);
    if (!agent?.loggedIn) return deskError('not-logged-in', `agent ${agentId} is not logged in`);
    const why = refusal(dispatch({ type: 'AgentLoggedOut', agentId, force: false }));
    if (why) return deskError('not-allowed', why);
    agent.loggedIn = false;
    return { ok: true };
  }

  setPresence(agentId: string, presence: PresenceRequest, dispatch: Dispatch): DeskResult {
    const agent = this.get(agentId);
    if (!agent?.loggedIn) return deskError('not-logged-in', `agent ${agentId} is not logged in`);
    // asking for the state the agent is in changes nothing and is not an error (double click)
    const same = typeof presence === 'string' ? agent.state.state === presence : agent.state.state === 'not-ready' && agent.state.reason === presence.notReady;
    if (same) return { ok: true };
    let event: AcdEventInput;
    if (presence === 'ready' || presence === 'away') event = { type: 'AgentStateChanged', agentId, state: presence };
    else {
      if (!this.settings().reasonCodes.includes(presence.notReady)) return deskError('invalid', `unknown reason code ${presence.notReady}`);
      event = { type: 'AgentStateChanged', agentId, state: 'not-ready', reason: presence.notReady };
    }
    const why = refusal(dispatch(event));
    return why ? deskError('not-allowed', why) : { ok: true };
  }

  stateChanged(agentId: string, state: AgentState, reason: string | undefined, at: number): void {
    const agent = this.get(agentId);
    if (!agent) return;
    agent.state = { state, since: at, ...(reason ? { reason } : {}) };
    if (state === 'logged-out') agent.loggedIn = false;
    this.desk.emit('state', agentId, agent.state);
  }

  callChanged(agentId: string, event: CallEvent): void {
    const agent = this.get(agentId);
    if (!agent) return;
    if (event.status === 'ended') agent.callEvents.delete(event.callId);
    else agent.callEvents.set(event.callId, event);
  }

  snapshot(agentId: string): DeskSnapshot {
    const s = this.settings();
    const agent = this.get(agentId);
    const profile = s.agents.get(agentId);
    return {
      agentId, ...(profile?.name ? { name: profile.name } : {}), loggedIn: agent?.loggedIn ?? false,
      ...(agent?.loggedIn ? { device: agent.device } : {}),
      state: agent?.state ?? { state: 'logged-out', since: this.now() },
      ...(agent?.offer ? { offer: agent.offer } : {}),
      calls: [...(agent?.callEvents.values() ?? [])],
      wrapUps: [...(agent?.wrapUps.values() ?? [])],
      reasonCodes: s.reasonCodes, dispositions: s.desk.dispositions,
      queues: queuesOf(s, agentId).map((q) => ({ id: q.id, ...(q.name ? { name: q.name } : {}) })),
    };
  }
}
