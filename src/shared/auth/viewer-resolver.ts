import type { DataSource } from 'typeorm';
import type { AppContext } from '../context';
import type { TokenService } from './jwt';
import { ApiClientScope, MemberRole } from './roles';
import { Viewer } from './viewer';

const CACHE_TTL_MS = 60_000;

/**
 * Turns a token subject into a Viewer with current memberships. HTTP requests
 * always read the database; long-lived subscriptions use a cache that the
 * event dispatcher invalidates when a membership or client changes, so a
 * removed member stops receiving events with the next event.
 */
export class ViewerResolver {
  private readonly cache = new Map<string, { viewer: Viewer | null; at: number }>();
  /** Counts invalidations; a read that began before a subject's last invalidation must not refill its cache. */
  private generation = 0;
  private readonly invalidatedAt = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    private readonly tokens: TokenService,
  ) {}

  /** Null subject: anonymous. Undefined result: the token is invalid or its account is gone. */
  async fromToken(token: string | null): Promise<{ viewer: Viewer; subject: string | null } | null> {
    if (!token) return { viewer: Viewer.anonymous(), subject: null };
    const claims = this.tokens.verify(token);
    if (!claims) return null;
    const started = this.generation;
    const viewer = await this.load(claims.sub);
    // A fresh read seeds the cache, so a new subscription's first event needs no query of its own.
    this.remember(claims.sub, viewer, started);
    return viewer ? { viewer, subject: claims.sub } : null;
  }

  /** The viewer of a subscription as of now; null when the account was disabled or the client revoked. */
  async current(ctx: AppContext & { subject?: string | null }): Promise<Viewer | null> {
    const subject = ctx.subject;
    if (!subject) return ctx.viewer;
    const hit = this.cache.get(subject);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.viewer;
    const started = this.generation;
    const viewer = await this.load(subject);
    this.remember(subject, viewer, started);
    return viewer;
  }

  invalidate(subjects: string[]): void {
    this.generation += 1;
    for (const subject of subjects) {
      this.cache.delete(subject);
      this.invalidatedAt.set(subject, this.generation);
    }
  }

  private remember(subject: string, viewer: Viewer | null, readStartedAt: number): void {
    if ((this.invalidatedAt.get(subject) ?? 0) > readStartedAt) return;
    this.cache.set(subject, { viewer, at: Date.now() });
  }

  async load(subject: string): Promise<Viewer | null> {
    const [kind, id] = subject.split(':');
    if (!/^[0-9a-f-]{36}$/.test(id ?? '')) return null;
    if (kind === 'user') {
      const rows: { is_platform_admin: boolean; organization_id: string | null; role: MemberRole | null }[] = await this.db.query(
        `SELECT u.is_platform_admin, m.organization_id, m.role
           FROM app_user u LEFT JOIN membership m ON m.user_id = u.id
          WHERE u.id = $1 AND u.disabled_at IS NULL`,
        [id],
      );
      if (rows.length === 0) return null;
      const memberships = new Map<string, MemberRole>();
      for (const row of rows) if (row.organization_id && row.role) memberships.set(row.organization_id, row.role);
      return Viewer.user(id, rows[0].is_platform_admin, memberships);
    }
    if (kind === 'client') {
      const rows: { organization_id: string; scope: ApiClientScope }[] = await this.db.query(
        `SELECT organization_id, scope FROM api_client WHERE id = $1 AND revoked_at IS NULL`,
        [id],
      );
      return rows.length ? Viewer.client(id, rows[0].organization_id, rows[0].scope) : null;
    }
    return null;
  }
}
