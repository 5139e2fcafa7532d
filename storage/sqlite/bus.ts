/**
 * The bus for the SQLite adapter: in-process only. SQLite means ONE app instance, so every
 * store opened on the same file in this process shares one emitter (keyed by the resolved file
 * path) and a message published on any of them reaches subscribers on all of them. Nothing
 * crosses process boundaries: run several instances on Redis instead.
 *
 * Delivery is asynchronous (after `publish` returns) and at-most-once; each handler gets its own
 * copy of the message (as it would through Redis), and a throwing handler is logged, not
 * propagated.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../app/logger';
import type { Bus, Json } from '../port';

interface SharedBus {
  emitter: EventEmitter;
  users: number;
}

/** One emitter per database file in this process. */
const BUSES = new Map<string, SharedBus>();

export interface SqliteBus extends Bus {
  /** Drops this store's subscriptions and its share of the emitter. */
  close(): void;
}

export function sqliteBus(file: string, log: Logger, assertOpen: () => void): SqliteBus {
  let shared = BUSES.get(file);
  if (!shared) {
    shared = { emitter: new EventEmitter(), users: 0 };
    shared.emitter.setMaxListeners(0);
    BUSES.set(file, shared);
  }
  shared.users++;
  const { emitter } = shared;
  const mine = new Set<{ channel: string; listener: (text: string) => void }>();
  let closed = false;

  return {
    async publish(channel, message) {
      assertOpen();
      const text = JSON.stringify(message);
      setImmediate(() => emitter.emit(channel, text));
    },

    async subscribe(channel, handler) {
      assertOpen();
      const listener = (text: string): void => {
        try {
          handler(JSON.parse(text) as Json);
        } catch (err) {
          log.error({ err, channel }, 'bus handler failed');
        }
      };
      const entry = { channel, listener };
      mine.add(entry);
      emitter.on(channel, listener);
      return async () => {
        if (mine.delete(entry)) emitter.off(channel, listener);
      };
    },

    close() {
      if (closed) return;
      closed = true;
      for (const { channel, listener } of mine) emitter.off(channel, listener);
      mine.clear();
      const current = BUSES.get(file);
      if (current && --current.users === 0) BUSES.delete(file);
    },
  };
}
