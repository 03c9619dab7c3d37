// The appliance's own users (agents, supervisors, branch admins), kept on the data partition
// in lowdb with scrypt hashes. Hashing and its cost parameters come from the fleet console's
// module so both sides store passwords the same way.
import type { Low } from 'lowdb';
import { z } from 'zod';
import { describeIssues } from '../../protocol/decode.ts';
import { PASSWORD_SCRYPT, dummyPasswordHash, hashPassword, verifyPassword, type ScryptParams } from '../../fleet/auth/password-hash.ts';

export const WebRole = z.enum(['agent', 'supervisor', 'admin']);
export type WebRole = z.infer<typeof WebRole>;

/** Each role may do everything the roles before it may (a supervisor can also take calls). */
export const WEB_ROLE_RANK: Record<WebRole, number> = { agent: 0, supervisor: 1, admin: 2 };
export const hasWebRole = (role: WebRole, needed: WebRole): boolean => WEB_ROLE_RANK[role] >= WEB_ROLE_RANK[needed];

export const WebUsername = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1-64 of letters, digits . _ @ - and start with a letter or digit');
export const WebPassword = z.string().min(8, 'must be at least 8 characters').max(256);
/** The ACD agent this user answers calls as; by default the user name. */
export const AgentId = z.string().min(1).max(64);

export const WebUserRecord = z.object({
  username: WebUsername,
  passwordHash: z.string().min(1),
  role: WebRole,
  agentId: AgentId.optional(),
  displayName: z.string().max(100).optional(),
  createdAt: z.number().int().nonnegative(),
});
export type WebUserRecord = z.infer<typeof WebUserRecord>;
export type WebUser = Omit<WebUserRecord, 'passwordHash'>;

export const WebUsersDoc = z.object({ users: z.array(WebUserRecord) });
export type WebUsersDoc = z.infer<typeof WebUsersDoc>;
export const emptyWebUsersDoc = (): WebUsersDoc => ({ users: [] });

export const NewWebUser = z.object({
  username: WebUsername,
  password: WebPassword,
  role: WebRole,
  agentId: AgentId.optional(),
  displayName: z.string().max(100).optional(),
});
export type NewWebUser = z.infer<typeof NewWebUser>;

export class WebUserExistsError extends Error {
  override name = 'WebUserExistsError';
}
export class WebUserNotFoundError extends Error {
  override name = 'WebUserNotFoundError';
}
export class InvalidWebUserError extends Error {
  override name = 'InvalidWebUserError';
}

export interface WebUserStoreOptions {
  db: Low<WebUsersDoc>;
  now?: () => number;
  hashParams?: ScryptParams;
}

const publicUser = ({ passwordHash: _hash, ...user }: WebUserRecord): WebUser => user;
const keyOf = (username: string) => username.toLowerCase();

/** The agent id a user works as: its own, or its user name. */
export const agentIdOf = (user: WebUser): string => user.agentId ?? user.username;

export class WebUserStore {
  readonly #db: Low<WebUsersDoc>;
  readonly #now: () => number;
  readonly #hashParams: ScryptParams;

  private constructor(options: WebUserStoreOptions) {
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
    this.#hashParams = options.hashParams ?? PASSWORD_SCRYPT;
  }

  static async open(options: WebUserStoreOptions): Promise<WebUserStore> {
    await options.db.read();
    const parsed = WebUsersDoc.safeParse(options.db.data ?? emptyWebUsersDoc());
    if (!parsed.success) throw new InvalidWebUserError(`users document is invalid: ${describeIssues(parsed.error)}`);
    options.db.data = parsed.data;
    return new WebUserStore(options);
  }

  list(): WebUser[] {
    return this.#db.data.users.map(publicUser);
  }

  get(username: string): WebUser | undefined {
    const record = this.#find(username);
    return record && publicUser(record);
  }

  async create(input: NewWebUser): Promise<WebUser> {
    const parsed = NewWebUser.safeParse(input);
    if (!parsed.success) throw new InvalidWebUserError(describeIssues(parsed.error));
    if (this.#find(parsed.data.username)) throw new WebUserExistsError(`user ${parsed.data.username} already exists`);
    const { password, ...rest } = parsed.data;
    const passwordHash = await hashPassword(password, this.#hashParams);
    return this.#insert({ ...rest, passwordHash, createdAt: this.#now() });
  }

  /** Adds a user whose password was hashed elsewhere (seeded from the appliance configuration). */
  async createHashed(input: Omit<WebUserRecord, 'createdAt'>): Promise<WebUser> {
    const parsed = WebUserRecord.omit({ createdAt: true }).safeParse(input);
    if (!parsed.success) throw new InvalidWebUserError(describeIssues(parsed.error));
    if (this.#find(parsed.data.username)) throw new WebUserExistsError(`user ${parsed.data.username} already exists`);
    return this.#insert({ ...parsed.data, createdAt: this.#now() });
  }

  async setPassword(username: string, password: string): Promise<void> {
    const parsed = WebPassword.safeParse(password);
    if (!parsed.success) throw new InvalidWebUserError(`password ${describeIssues(parsed.error)}`);
    if (!this.#find(username)) throw new WebUserNotFoundError(`user ${username} does not exist`);
    const passwordHash = await hashPassword(password, this.#hashParams);
    await this.#mutate((users) => users.map((u) => (keyOf(u.username) === keyOf(username) ? { ...u, passwordHash } : u)));
  }

  async remove(username: string): Promise<boolean> {
    if (!this.#find(username)) return false;
    await this.#mutate((users) => users.filter((u) => keyOf(u.username) !== keyOf(username)));
    return true;
  }

  /** The user when the password matches; an unknown name costs the same scrypt run. */
  async verify(username: string, password: string): Promise<WebUser | undefined> {
    if (password.length > 1024) return undefined;
    const record = this.#find(username);
    if (!record) {
      await verifyPassword(password, await dummyPasswordHash(this.#hashParams));
      return undefined;
    }
    const ok = await verifyPassword(password, record.passwordHash);
    return ok && this.#find(username)?.passwordHash === record.passwordHash ? publicUser(record) : undefined;
  }

  async #insert(record: WebUserRecord): Promise<WebUser> {
    if (this.#find(record.username)) throw new WebUserExistsError(`user ${record.username} already exists`);
    await this.#mutate((users) => [...users, record]);
    return publicUser(record);
  }

  #find(username: string): WebUserRecord | undefined {
    const key = keyOf(username);
    return this.#db.data.users.find((u) => keyOf(u.username) === key);
  }

  async #mutate(change: (users: WebUserRecord[]) => WebUserRecord[]): Promise<void> {
    const before = this.#db.data.users;
    this.#db.data.users = change(before);
    try {
      await this.#db.write();
    } catch (err) {
      this.#db.data.users = before;
      throw err;
    }
  }
}
