import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Viewer } from './auth/viewer';
import type { LoaderRegistry } from './loaders';
import type { RequestStore } from './request-context';
import type { TokenService } from './auth/jwt';
import type { EventBus } from './events/event-bus';
import type { ViewerResolver } from './auth/viewer-resolver';
import type { SignInThrottle } from '../modules/auth/auth.throttle';
import type { WebhookWorker } from '../modules/webhook/webhook.worker';

/** Process-wide services, built once at start. */
export interface AppServices {
  config: Config;
  db: DataSource;
  /** A small separate pool for the event dispatcher and subscription deliveries (see app.ts). */
  realtimeDb: DataSource;
  log: Logger;
  tokens: TokenService;
  events: EventBus;
  viewers: ViewerResolver;
  /** Counts failed sign-ins across processes. */
  throttle: SignInThrottle;
  /** The webhook queue of this process (graphile-worker). */
  webhooks: WebhookWorker;
}

/** What every resolver and service receives: one per HTTP request or WebSocket subscription. */
export interface AppContext {
  app: AppServices;
  viewer: Viewer;
  /** Token subject (`user:<id>` / `client:<id>`), null when signed out; subscriptions re-read the viewer from it. */
  subject: string | null;
  /** When the token of this request or socket expires; subscriptions end then (null or absent: signed out, or a job). */
  sessionExpiresAt?: Date | null;
  requestId: string;
  /** The client's address (TCP peer, or X-Forwarded-For within TRUST_PROXY_HOPS); null for jobs. */
  clientAddress?: string | null;
  loaders: LoaderRegistry;
  log: Logger;
  /** The HTTP request's facts (log line, metrics, statement count); absent on WebSocket, SSE and jobs. */
  requestStore?: RequestStore;
}
