import type { Low } from 'lowdb';
import { z } from 'zod';
import { describeIssues } from '../../protocol/decode.ts';
import { PASSWORD_SCRYPT, dummyPasswordHash, hashPassword, verifyPassword, type ScryptParams } from './password-hash.ts';

export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

/** Each role may do everything the roles before it may. */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const hasRole = (role: Role, needed: Role): boolean => ROLE_RANK[role] >= ROLE_RANK[needed];

export const Username = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1-64 of letters, digits . _ @ - and start with a letter or digit');
/** Long enough to matter, short enough that hashing it is not a denial of service. */
export const Password = z.string().min(8, 'must be at least 8 characters').max(256);

export const UserRecord = z.object({
  username: Username,
  passwordHash: z.string().min(1),
  role: Role,
  createdAt: z.number().int().nonnegative(),
});
export type UserRecord = z.infer<typeof UserRecord>;
export type ConsoleUser = Omit<UserRecord, 'passwordHash'>;

export const UsersDoc = z.object({ users: z.array(UserRecord) });
export type UsersDoc = z.infer<typeof UsersDoc>;
export const emptyUsersDoc = (): UsersDoc => ({ users: [] });

export const NewUser = z.object({ username: Username, password: Password, role: Role });
export type NewUser = z.infer<typeof NewUser>;

export interface UserStoreOptions {
  db: Low<UsersDoc>;
  now?: () => number;
  hashParams?: ScryptParams;
}

export class UserExistsError extends Error {
  override name = 'UserExistsError';
}
export class UserNotFoundError extends Error {
  override name = 'UserNotFoundError';
}
export class InvalidUserError extends Error {
  override name = 'InvalidUserError';
}
export class UsersDocError extends Error {
  override name = 'UsersDocError';
}

const publicUser = ({ passwordHash: _hash, ...user }: UserRecord): ConsoleUser => user;
/** User names compare without case, so `Admin` and `admin` cannot be two people. */
const keyOf = (username: string) => username.toLowerCase();

/** Console users (people, not devices), persisted in lowdb; passwords kept as scrypt hashes. */
export class UserStore {
  readonly #db: Low<UsersDoc>;
  readonly #now: () => number;
  readonly #hashParams: ScryptParams;

  private constructor(options: UserStoreOptions) {
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
    this.#hashParams = options.hashParams ?? PASSWORD_SCRYPT;
  }

  static async open(options: UserStoreOptions): Promise<UserStore> {
    await options.db.read();
    const parsed = UsersDoc.safeParse(options.db.data ?? emptyUsersDoc());
    if (!parsed.success) throw new UsersDocError(`users document is invalid: ${describeIssues(parsed.error)}`);
    options.db.data = parsed.data;
    return new UserStore(options);
  }

  list(): ConsoleUser[] {
    return this.#db.data.users.map(publicUser);
  }

  get(username: string): ConsoleUser | undefined {
    const record = this.#find(username);
    return record && publicUser(record);
  }

  async createUser(input: NewUser): Promise<ConsoleUser> {
    const parsed = NewUser.safeParse(input);
    if (!parsed.success) throw new InvalidUserError(describeIssues(parsed.error));
    const { username, password, role } = parsed.data;
    if (this.#find(username)) throw new UserExistsError(`user ${username} already exists`);
    const passwordHash = await hashPassword(password, this.#hashParams);
    if (this.#find(username)) throw new UserExistsError(`user ${username} already exists`);
    const record: UserRecord = { username, passwordHash, role, createdAt: this.#now() };
    await this.#mutate((users) => [...users, record]);
    return publicUser(record);
  }

  /** First start: creates this admin unless a user of that name exists (whose password is left alone). */
  async ensureAdmin(username: string, password: string): Promise<'created' | 'exists'> {
    if (this.#find(username)) return 'exists';
    await this.createUser({ username, password, role: 'admin' });
    return 'created';
  }

  async setPassword(username: string, password: string): Promise<void> {
    const parsed = Password.safeParse(password);
    if (!parsed.success) throw new InvalidUserError(`password ${describeIssues(parsed.error)}`);
    if (!this.#find(username)) throw new UserNotFoundError(`user ${username} does not exist`);
    const passwordHash = await hashPassword(password, this.#hashParams);
    await this.#mutate((users) => users.map((u) => (keyOf(u.username) === keyOf(username) ? { ...u, passwordHash } : u)));
  }

  async setRole(username: string, role: Role): Promise<ConsoleUser> {
    const parsed = Role.safeParse(role);
    if (!parsed.success) throw new InvalidUserError(`role ${describeIssues(parsed.error)}`);
    if (!this.#find(username)) throw new UserNotFoundError(`user ${username} does not exist`);
    await this.#mutate((users) => users.map((u) => (keyOf(u.username) === keyOf(username) ? { ...u, role: parsed.data } : u)));
    return publicUser(this.#find(username)!);
  }

  async removeUser(username: string): Promise<boolean> {
    if (!this.#find(username)) return false;
    await this.#mutate((users) => users.filter((u) => keyOf(u.username) !== keyOf(username)));
    return true;
  }

  /**
   * The user if the password matches. An unknown name costs the same scrypt run as a known
   * one, so response times do not reveal which names exist.
   */
  async verify(username: string, password: string): Promise<ConsoleUser | undefined> {
    if (password.length > 1024) return undefined;
    const record = this.#find(username);
    if (!record) {
      await verifyPassword(password, await dummyPasswordHash(this.#hashParams));
      return undefined;
    }
    const ok = await verifyPassword(password, record.passwordHash);
    // The user may have been removed or changed while scrypt ran.
    return ok && this.#find(username)?.passwordHash === record.passwordHash ? publicUser(record) : undefined;
  }

  #find(username: string): UserRecord | undefined {
    const key = keyOf(username);
    return this.#db.data.users.find((u) => keyOf(u.username) === key);
  }

  /** Applies a change and writes; on a failed write the document is as before. */
  async #mutate(change: (users: UserRecord[]) => UserRecord[]): Promise<void> {
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
