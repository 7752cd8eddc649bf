import type { DataSource } from 'typeorm';
import type { AppContext } from '../context';
import { INVALID_TOKEN, readAuthorization, type TokenService } from './jwt';
import { ApiClientScope, MemberRole } from './roles';
import { Viewer } from './viewer';
import { queryPrepared } from '../database/prepared';

/**
 * How long a cached identity may be used without an invalidation. Changes
 * made through the API (membershipAdd/Remove, apiClientRevoke, sign-out)
 * invalidate it at once in the process that made them and, through the
 * event log's LISTEN/NOTIFY (or Redis) wake-up, within about a second
 * elsewhere; this bound only covers changes made behind the API's back.
 */
const CACHE_TTL_MS = 30_000;

/** Who an Authorization value stands for, and until when. */
export interface Authentication {
  viewer: Viewer;
  /** `user:<id>` / `client:<id>`; null when signed out. */
  subject: string | null;
  /** The token's `exp`; null when signed out. */
  expiresAt: Date | null;
}

/**
 * Turns a token subject into a Viewer with current memberships. HTTP requests
 * always read the database; WebSocket operations and subscription events use
 * a per-subject cache that is dropped whenever a membership, client or
 * session of that subject changes (see `invalidate`).
 */
export class ViewerResolver {
  private readonly cache = new Map<string, { viewer: Viewer | null; at: number }>();
  /** Counts invalidations; a read that began before a subject's last invalidation must not refill its cache. */
  private generation = 0;
  private readonly invalidatedAt = new Map<string, number>();
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(
    private readonly db: DataSource,
    private readonly tokens: TokenService,
  ) {}

  /**
   * The one rule for an Authorization value, used by HTTP for each request
   * and by WebSocket at `connection_init` and again for every operation:
   * the same token checks (signature, issuer, audience, `exp`, lifetime) and
   * the same account checks (user enabled, client not revoked, memberships
   * as they are now). `fresh` reads the database (HTTP); `cached` may answer
   * from the invalidated cache (long-lived sockets, see CACHE_TTL_MS).
   */
  async authenticate(authorization: unknown, mode: 'fresh' | 'cached'): Promise<Authentication | { error: string }> {
    const read = readAuthorization(authorization);
    if ('error' in read) return read;
    if (!read.token) return { viewer: Viewer.anonymous(), subject: null, expiresAt: null };
    const claims = this.tokens.verify(read.token);
    if (!claims) return { error: INVALID_TOKEN };
    const viewer = mode === 'cached' ? await this.bySubject(claims.sub) : await this.fresh(claims.sub);
    return viewer ? { viewer, subject: claims.sub, expiresAt: claims.expiresAt } : { error: INVALID_TOKEN };
  }

  /** The viewer of a subscription as of now; null when the token expired, the account was disabled or the client revoked. */
  async current(ctx: AppContext): Promise<Viewer | null> {
    const subject = ctx.subject;
    if (!subject) return ctx.viewer;
    if (ctx.sessionExpiresAt && ctx.sessionExpiresAt.getTime() <= Date.now()) return null;
    return this.bySubject(subject);
  }

  /**
   * `current` without a promise when the answer is at hand: the cached viewer while its entry is valid, null
   * once the token expired, undefined when only a read can tell. A fan-out asks this for every subscriber of
   * an event; the await of `current` costs each of them several promise turns for an answer that is in memory.
   */
  currentIfCached(ctx: AppContext): Viewer | null | undefined {
    const subject = ctx.subject;
    if (!subject) return ctx.viewer;
    if (ctx.sessionExpiresAt && ctx.sessionExpiresAt.getTime() <= Date.now()) return null;
    const hit = this.cache.get(subject);
    return hit && Date.now() - hit.at < CACHE_TTL_MS ? hit.viewer : undefined;
  }

  /** Calls `onChange` whenever `subject`'s identity is invalidated; returns the unsubscribe. */
  watch(subject: string, onChange: () => void): () => void {
    let set = this.watchers.get(subject);
    if (!set) this.watchers.set(subject, (set = new Set()));
    set.add(onChange);
    return () => {
      set.delete(onChange);
      if (set.size === 0 && this.watchers.get(subject) === set) this.watchers.delete(subject);
    };
  }

  invalidate(subjects: string[]): void {
    this.generation += 1;
    for (const subject of subjects) {
      this.cache.delete(subject);
      this.invalidatedAt.set(subject, this.generation);
    }
    for (const subject of subjects) for (const onChange of [...(this.watchers.get(subject) ?? [])]) onChange();
  }

  private async fresh(subject: string): Promise<Viewer | null> {
    const started = this.generation;
    const viewer = await this.load(subject);
    // A fresh read seeds the cache, so a new subscription's first event needs no query of its own.
    this.remember(subject, viewer, started);
    return viewer;
  }

  private async bySubject(subject: string): Promise<Viewer | null> {
    const hit = this.cache.get(subject);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.viewer;
    return this.fresh(subject);
  }

  /**
   * Caches a read. Every read is a new object, even with the same facts:
   * memos keyed by the viewer object (the case scope, with the jurisdiction
   * it was computed from) must start afresh on each request and, for
   * subscriptions, at least with each TTL, or a granted or revoked
   * jurisdiction would never reach them. Subscriptions tell a changed
   * identity by its facts (`sameFactsAs`), not by the object.
   */
  private remember(subject: string, viewer: Viewer | null, readStartedAt: number): void {
    if ((this.invalidatedAt.get(subject) ?? 0) > readStartedAt) return;
    this.cache.set(subject, { viewer, at: Date.now() });
  }

  async load(subject: string): Promise<Viewer | null> {
    const [kind, id] = subject.split(':');
    if (!/^[0-9a-f-]{36}$/.test(id ?? '')) return null;
    if (kind === 'user') {
      const rows = await queryPrepared<{ is_platform_admin: boolean; organization_id: string | null; role: MemberRole | null }>(
        this.db,
        'viewer-user',
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
      const rows = await queryPrepared<{ organization_id: string; scope: ApiClientScope }>(
        this.db,
        'viewer-client',
        `SELECT organization_id, scope FROM api_client WHERE id = $1 AND revoked_at IS NULL`,
        [id],
      );
      return rows.length ? Viewer.client(id, rows[0].organization_id, rows[0].scope) : null;
    }
    return null;
  }
}
