import { randomUUID } from 'node:crypto';
import type { AppContext, AppServices } from '../shared/context';
import { LoaderRegistry } from '../shared/loaders';
import type { Viewer } from '../shared/auth/viewer';

export function createContext(app: AppServices, viewer: Viewer, subject: string | null, requestId: string = randomUUID()): AppContext {
  return {
    app,
    viewer,
    subject,
    requestId,
    loaders: new LoaderRegistry(),
    log: app.log.child({ requestId }),
  };
}
