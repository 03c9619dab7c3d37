/**
 * Erlang C (M/M/N queue): the chance a call waits, the service level and the agents needed.
 * Erlang B is computed by its recurrence B(n) = A·B(n-1) / (n + A·B(n-1)), which stays in
 * floating range where factorials would overflow, and C follows from B.
 */

/** Traffic intensity in erlangs: calls per interval times handle time over the interval. */
export function erlangs(calls: number, intervalSeconds: number, ahtSeconds: number): number {
  return (calls * ahtSeconds) / intervalSeconds;
}

export function erlangB(agents: number, traffic: number): number {
  let b = 1;
  for (let n = 1; n <= agents; n++) b = (traffic * b) / (n + traffic * b);
  return b;
}

/** Probability that a contact waits (Pw); 1 when the agents cannot keep up. */
export function erlangC(agents: number, traffic: number): number {
  if (agents <= traffic) return 1;
  const b = erlangB(agents, traffic);
  return (agents * b) / (agents - traffic * (1 - b));
}

/** Share answered within `targetSeconds`: 1 - Pw·e^(-(N-A)·T/AHT). */
export function serviceLevel(agents: number, traffic: number, targetSeconds: number, ahtSeconds: number): number {
  if (agents <= traffic) return 0;
  return 1 - erlangC(agents, traffic) * Math.exp((-(agents - traffic) * targetSeconds) / ahtSeconds);
}

/** Average speed of answer in seconds: Pw·AHT / (N - A). */
export function averageSpeedOfAnswer(agents: number, traffic: number, ahtSeconds: number): number {
  if (agents <= traffic) return Infinity;
  return (erlangC(agents, traffic) * ahtSeconds) / (agents - traffic);
}

export interface StaffingInput {
  calls: number;
  intervalSeconds: number;
  ahtSeconds: number;
  /** e.g. 0.8 for 80 % answered within targetSeconds. */
  targetServiceLevel: number;
  targetSeconds: number;
  /** Optional ceiling on occupancy (A/N), e.g. 0.85. */
  maxOccupancy?: number;
}

export interface Staffing {
  agents: number;
  traffic: number;
  serviceLevel: number;
  probabilityOfWaiting: number;
  asaSeconds: number;
  occupancy: number;
}

export class StaffingInputError extends Error {
  override name = 'StaffingInputError';
}

/** The fewest agents that meet the service level (and the occupancy ceiling, if given). */
export function agentsNeeded(input: StaffingInput): Staffing {
  const { calls, intervalSeconds, ahtSeconds, targetServiceLevel, targetSeconds, maxOccupancy } = input;
  if (!(calls >= 0 && intervalSeconds > 0 && ahtSeconds > 0 && targetSeconds >= 0)) {
    throw new StaffingInputError('calls must be >= 0, interval and AHT > 0, target seconds >= 0');
  }
  if (!(targetServiceLevel > 0 && targetServiceLevel < 1)) throw new StaffingInputError('target service level must be between 0 and 1');
  const traffic = erlangs(calls, intervalSeconds, ahtSeconds);
  let n = Math.max(1, Math.floor(traffic) + 1);
  if (maxOccupancy !== undefined) n = Math.max(n, Math.ceil(traffic / maxOccupancy));
  while (serviceLevel(n, traffic, targetSeconds, ahtSeconds) < targetServiceLevel) n++;
  return {
    agents: n,
    traffic,
    serviceLevel: serviceLevel(n, traffic, targetSeconds, ahtSeconds),
    probabilityOfWaiting: erlangC(n, traffic),
    asaSeconds: averageSpeedOfAnswer(n, traffic, ahtSeconds),
    occupancy: traffic / n,
  };
}
