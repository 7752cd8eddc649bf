import { ApiClientScope, MemberRole } from './roles';

export type ViewerKind = 'anonymous' | 'user' | 'client';

/**
 * Who is asking, with their memberships as of this request (or, for a
 * subscription, as of the event being delivered).
 */
export class Viewer {
  private constructor(
    readonly kind: ViewerKind,
    readonly userId: string | null,
    readonly clientId: string | null,
    readonly isPlatformAdmin: boolean,
    readonly memberships: ReadonlyMap<string, MemberRole>,
    readonly scope: ApiClientScope,
  ) {}

  static anonymous(): Viewer {
    return new Viewer('anonymous', null, null, false, new Map(), ApiClientScope.READ);
  }

  static user(userId: string, isPlatformAdmin: boolean, memberships: Map<string, MemberRole>): Viewer {
    return new Viewer('user', userId, null, isPlatformAdmin, memberships, ApiClientScope.READ_WRITE);
  }

  /** A partner integration acts as a MEMBER of its one organisation, never as ADMIN. */
  static client(clientId: string, organizationId: string, scope: ApiClientScope): Viewer {
    return new Viewer('client', null, clientId, false, new Map([[organizationId, MemberRole.MEMBER]]), scope);
  }

  /**
   * An organisation as the audience of its webhook endpoints: it sees what
   * any of its members would see through the organisation (a MEMBER, read
   * only), nothing a single person sees on their own account.
   */
  static organization(organizationId: string): Viewer {
    return new Viewer('client', null, null, false, new Map([[organizationId, MemberRole.MEMBER]]), ApiClientScope.READ);
  }

  get signedIn(): boolean {
    return this.kind !== 'anonymous';
  }

  get canWrite(): boolean {
    return this.signedIn && this.scope === ApiClientScope.READ_WRITE;
  }

  get organizationIds(): string[] {
    return [...this.memberships.keys()];
  }

  roleIn(organizationId: string): MemberRole | null {
    return this.memberships.get(organizationId) ?? null;
  }

  isMemberOf(organizationId: string): boolean {
    return this.memberships.has(organizationId);
  }

  isAdminOf(organizationId: string): boolean {
    return this.memberships.get(organizationId) === MemberRole.ADMIN;
  }

  /** Member with a role that may change the organisation's work (not OBSERVER). */
  canActFor(organizationId: string): boolean {
    const role = this.memberships.get(organizationId);
    return this.canWrite && role !== undefined && role !== MemberRole.OBSERVER;
  }

  sharesAnyOrganization(organizationIds: readonly string[]): boolean {
    return organizationIds.some((id) => this.memberships.has(id));
  }

  /**
   * Whether `other` stands for the same identity with the same facts (kind,
   * account, admin flag, scope, every membership and role). A subscription
   * whose viewer was re-read with the same facts needs no new start check.
   */
  sameFactsAs(other: Viewer): boolean {
    if (other === this) return true;
    if (
      other.kind !== this.kind ||
      other.userId !== this.userId ||
      other.clientId !== this.clientId ||
      other.isPlatformAdmin !== this.isPlatformAdmin ||
      other.scope !== this.scope ||
      other.memberships.size !== this.memberships.size
    ) {
      return false;
    }
    for (const [organizationId, role] of this.memberships) if (other.memberships.get(organizationId) !== role) return false;
    return true;
  }

  /** Stable key for audit rows. */
  get actor(): { userId: string | null; clientId: string | null } {
    return { userId: this.userId, clientId: this.clientId };
  }
}
