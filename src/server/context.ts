import { randomUUID } from 'node:crypto';
import type { AppContext, AppServices } from '../shared/context';
import { LoaderRegistry } from '../shared/loaders';
import type { Viewer } from '../shared/auth/viewer';

export function createContext(app: AppServices, viewer: Viewer, subject: string | null, requestId: string = randomUUID(), sessionExpiresAt: Date | null = null): AppContext {
  let log: AppContext['log'] | undefined;
  return {
    app,
    viewer,
    subject,
    sessionExpiresAt,
    requestId,
    loaders: new LoaderRegistry(),
    // Made on first use: most subscriptions never log, and thousands of idle ones should not each hold a logger.
    get log() {
      return (log ??= app.log.child({ requestId }));
    },
  };
}
