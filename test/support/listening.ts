import type { Client } from 'graphql-ws';
import type { DataSource } from 'typeorm';
import type { EventBus } from '../../src/shared/events/event-bus';
import { subscribe, type Subscription } from './graphql';
import { until } from './wait';

/** How many subscriptions each bus has registered so far (never decreases, unlike its subscriber count). */
const registered = new WeakMap<EventBus, { count: number }>();

function registrationsOf(bus: EventBus): { count: number } {
  let counter = registered.get(bus);
  if (!counter) {
    const seen = { count: 0 };
    const register = bus.subscribe.bind(bus);
    bus.subscribe = (subscriber) => {
      seen.count += 1;
      return register(subscriber);
    };
    registered.set(bus, (counter = seen));
  }
  return counter;
}

/**
 * Subscribes and returns once the server has registered the subscription for live events, so that a change the
 * test makes next is one the subscription must see. A subscription without a cursor starts wherever the log is when
 * the server gets to it: a fixed pause before the change was too short on a loaded CI machine, and the event went
 * out before the subscription existed. Counted by registration, not by the bus's subscriber count, which a socket
 * closing at the same moment can leave unchanged.
 */
export async function subscribeListening<T = any>(server: { services: { events: EventBus } }, client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Subscription<T>> {
  const registrations = registrationsOf(server.services.events);
  const before = registrations.count;
  const subscription = subscribe<T>(client, query, variables);
  await until(() => registrations.count > before || subscription.received.length > 0, 15_000);
  return subscription;
}

/** The newest event's cursor in the log ('0' when empty): a subscription started after it misses nothing that commits later. */
export async function newestEventCursor(db: DataSource): Promise<string> {
  const [{ max }] = await db.query(`SELECT coalesce(max(id), 0)::text AS max FROM event`);
  return max;
}
