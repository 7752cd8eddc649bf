import type { EntityManager } from 'typeorm';
import type { Logger } from '../shared/logger';

export interface DemoContext {
  em: EntityManager;
  /** Ids of demo records by a readable key (e.g. `org:zhongshan-police`), for later parts to link to. */
  ids: Record<string, string>;
  log: Logger;
}

export type DemoPart = (ctx: DemoContext) => Promise<void>;
