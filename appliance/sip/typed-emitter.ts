// A typed facade over EventEmitter: event names and listener signatures come from one map.
import { EventEmitter } from 'node:events';

export type EventMap = Record<string, (...args: never[]) => void>;

export class TypedEmitter<E extends EventMap> {
  private readonly emitter = new EventEmitter({ captureRejections: false });
  on<K extends keyof E & string>(event: K, listener: E[K]): this {
    this.emitter.on(event, listener as unknown as (...a: unknown[]) => void);
    return this;
  }
  once<K extends keyof E & string>(event: K, listener: E[K]): this {
    this.emitter.once(event, listener as unknown as (...a: unknown[]) => void);
    return this;
  }
  off<K extends keyof E & string>(event: K, listener: E[K]): this {
    this.emitter.off(event, listener as unknown as (...a: unknown[]) => void);
    return this;
  }
  protected emit<K extends keyof E & string>(event: K, ...args: Parameters<E[K]>): boolean {
    return this.emitter.emit(event, ...args);
  }
  listenerCount<K extends keyof E & string>(event: K): number {
    return this.emitter.listenerCount(event);
  }
}
