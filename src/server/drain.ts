import type http from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/** How long a shutdown waits for requests already running before it goes on regardless. */
export const DRAIN_GRACE_MS = 10_000;

/** Waits until one of `waiters` is called (the last piece of work ended), or `graceMs` passed. */
export function untilWokenOrGrace(waiters: (() => void)[], graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    waiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Shutdown without lost answers. Once draining starts, nothing is executed
 * that could not be answered:
 * - requests already running finish and are answered with `Connection: close`;
 * - a request that arrives afterwards on a kept-alive socket is refused with
 *   503 before anything runs (safe to retry anywhere: nothing happened);
 * - idle kept-alive sockets are closed, and no new connection is accepted.
 * Only when the running requests are answered does shutdown go on to close
 * the database, so no write commits and then loses its answer.
 */
export class HttpDrain {
  private draining = false;
  private readonly active = new Set<Response>();
  private waiters: (() => void)[] = [];
  private readonly drainHooks: (() => void)[] = [];

  constructor(private readonly server: http.Server) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /** First middleware of the app. */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.draining) {
      res.setHeader('connection', 'close');
      res.setHeader('retry-after', '1');
      res.status(503).json({ errors: [{ message: 'The server is shutting down; retry the request.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      return;
    }
    this.active.add(res);
    const done = () => {
      if (this.active.delete(res) && this.active.size === 0) this.waiters.splice(0).forEach((wake) => wake());
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };

  /** Runs when draining starts: long-lived answers (event streams) end here rather than hold shutdown for the grace period. */
  onDrain(hook: () => void): void {
    this.drainHooks.push(hook);
  }

  /** Starts draining and resolves once every running request is answered, or after `graceMs`. */
  async drain(graceMs = DRAIN_GRACE_MS): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      // Stop accepting connections (Node 19+ also closes the idle ones here).
      this.server.close(() => {});
      for (const res of this.active) if (!res.headersSent) res.setHeader('connection', 'close');
      this.server.closeIdleConnections();
      for (const hook of this.drainHooks) hook();
    }
    if (this.active.size === 0) return;
    await untilWokenOrGrace(this.waiters, graceMs);
  }

  activeRequests(): number {
    return this.active.size;
  }
}
