import { Authorized, Extensions, type AuthCheckerFn } from 'type-graphql';
import type { GraphQLError } from 'graphql';
import type { AppContext } from '../context';
import type { EventRecord } from '../events/event.entity';
import { forbidden, unauthenticated } from '../errors';
import type { Viewer } from './viewer';

/**
 * The authorization policy. Every root operation declares one access level
 * with `@Access(...)`; record-level rules ("may this viewer see this
 * contract") live in the `can*` functions here and in each module's
 * `<domain>.policy.ts`, built from the same primitives, and are asked by
 * queries, mutations and subscription filters alike.
 */
export enum AccessLevel {
  /** Anyone, signed in or not (sign-in itself). */
  PUBLIC = 'PUBLIC',
  /** Any signed-in user or API client; record rules decide the rest. */
  SIGNED_IN = 'SIGNED_IN',
  /** Signed in with write rights: users, and API clients with READ_WRITE scope. */
  WRITE = 'WRITE',
  /** Platform administrators only. */
  PLATFORM_ADMIN = 'PLATFORM_ADMIN',
}

export const ACCESS_EXTENSION = 'access';

/** Declares who may call a root operation. A schema with an operation lacking it does not build. */
export function Access(level: AccessLevel): MethodDecorator {
  return (target, key, descriptor) => {
    Authorized(level)(target, key, descriptor);
    Extensions({ [ACCESS_EXTENSION]: level })(target, key, descriptor);
  };
}

/** Why the viewer may not call an operation of this access level, or null when it may. */
export function accessRefusal(viewer: Viewer, level: AccessLevel): GraphQLError | null {
  if (level === AccessLevel.PUBLIC) return null;
  if (!viewer.signedIn) return unauthenticated();
  if (level === AccessLevel.WRITE && !viewer.canWrite) return forbidden('This API client has read-only scope.');
  if (level === AccessLevel.PLATFORM_ADMIN && !viewer.isPlatformAdmin) return forbidden('Only platform administrators may do this.');
  return null;
}

export function assertAccess(viewer: Viewer, level: AccessLevel): void {
  const refusal = accessRefusal(viewer, level);
  if (refusal) throw refusal;
}

export const authChecker: AuthCheckerFn<AppContext, AccessLevel> = ({ context }, levels) => {
  for (const level of levels) assertAccess(context.viewer, level);
  return true;
};

// ---- record-level rules shared by every domain ----

export function canManageAreas(viewer: Viewer): boolean {
  return viewer.isPlatformAdmin && viewer.canWrite;
}

/** Registers an organisation: platform admins anywhere; an organisation's ADMIN for its sub-units. */
export function canCreateOrganization(viewer: Viewer, parentOrganizationId: string | null): boolean {
  if (!viewer.canWrite) return false;
  if (viewer.isPlatformAdmin) return true;
  return parentOrganizationId !== null && viewer.isAdminOf(parentOrganizationId);
}

export function canManageOrganization(viewer: Viewer, organizationId: string): boolean {
  return viewer.canWrite && (viewer.isPlatformAdmin || viewer.isAdminOf(organizationId));
}

/** Who belongs to an organisation is known to its members and platform admins only. */
export function canSeeMembers(viewer: Viewer, organizationId: string): boolean {
  return viewer.isPlatformAdmin || viewer.isMemberOf(organizationId);
}

/** canSeeMembers as SQL over an organisation id expression, for reads PostgreSQL answers whole (read-plan/sql-answer.ts). */
export function canSeeMembersSql(viewer: Viewer, organizationId: string, bind: (value: unknown) => string): string {
  return viewer.isPlatformAdmin ? 'true' : `${organizationId} = ANY(${bind(viewer.organizationIds)}::uuid[])`;
}

/** An e-mail address is shown to its owner, platform admins, and ADMINs of an organisation the user belongs to. */
export function canSeeEmail(viewer: Viewer, userId: string, userOrganizationIds: readonly string[]): boolean {
  return viewer.userId === userId || viewer.isPlatformAdmin || userOrganizationIds.some((id) => viewer.isAdminOf(id));
}

// ---- reach: what widens what an organisation sees (DESIGN.md, "Reach is granted, never claimed") ----

/** Jurisdiction is set freely only by platform admins; everyone else receives it by delegation. */
export function canSetJurisdiction(viewer: Viewer): boolean {
  return viewer.canWrite && viewer.isPlatformAdmin;
}

/**
 * Delegating part of a jurisdiction: an ADMIN of the granting organisation
 * (which must be the receiver's parent and hold the area; the service checks
 * both), or a platform admin.
 */
export function canGrantJurisdictionAs(viewer: Viewer, grantingOrganizationId: string): boolean {
  return viewer.canWrite && (viewer.isPlatformAdmin || viewer.isAdminOf(grantingOrganizationId));
}

/** Taking a grant back: the granting organisation's ADMIN or a platform admin; the holder's ADMIN may also give it up. */
export function canRevokeJurisdiction(viewer: Viewer, grant: { organizationId: string; grantedByOrganizationId: string | null }): boolean {
  if (!viewer.canWrite) return false;
  if (viewer.isPlatformAdmin) return true;
  if (grant.grantedByOrganizationId && viewer.isAdminOf(grant.grantedByOrganizationId)) return true;
  return viewer.isAdminOf(grant.organizationId);
}

/** Either end's ADMIN may propose a relation it is party to (and end one). */
export function canManageRelationship(viewer: Viewer, fromOrganizationId: string, toOrganizationId: string): boolean {
  return canManageOrganization(viewer, fromOrganizationId) || canManageOrganization(viewer, toOrganizationId);
}

/** A relation holds at once only when nobody else has to agree: a platform admin, or an ADMIN of both ends. */
export function relationshipAgreedByBothEnds(viewer: Viewer, fromOrganizationId: string, toOrganizationId: string): boolean {
  if (!viewer.canWrite) return false;
  return viewer.isPlatformAdmin || (viewer.isAdminOf(fromOrganizationId) && viewer.isAdminOf(toOrganizationId));
}

/** Accepting or declining a proposal: an ADMIN of the end that did not propose it, or a platform admin. */
export function canAnswerRelationshipProposal(viewer: Viewer, relation: { fromOrganizationId: string; toOrganizationId: string; proposedByOrganizationId: string | null }): boolean {
  if (!viewer.canWrite) return false;
  if (viewer.isPlatformAdmin) return true;
  const other = relation.proposedByOrganizationId === relation.fromOrganizationId ? relation.toOrganizationId : relation.fromOrganizationId;
  return viewer.isAdminOf(other);
}

/**
 * Accepted relations are part of the public network. A proposal (or a
 * declined one) is known only to the two ends and platform admins: a
 * proposal says nothing about the network.
 */
export function canSeeRelationship(viewer: Viewer, relation: { status: string; fromOrganizationId: string; toOrganizationId: string }): boolean {
  if (!viewer.signedIn) return false;
  if (relation.status === 'ACCEPTED') return true;
  return viewer.isPlatformAdmin || viewer.isMemberOf(relation.fromOrganizationId) || viewer.isMemberOf(relation.toOrganizationId);
}

export function canSeeApiClients(viewer: Viewer, organizationId: string): boolean {
  return viewer.isPlatformAdmin || viewer.isAdminOf(organizationId);
}

/** Webhook endpoints and their deliveries are an organisation's integration settings: its ADMINs and platform admins see them. */
export function canSeeWebhooks(viewer: Viewer, organizationId: string): boolean {
  return viewer.isPlatformAdmin || viewer.isAdminOf(organizationId);
}

/** Registering, changing, replaying and retrying webhooks: the organisation's ADMINs (people, with write rights) and platform admins. */
export function canManageWebhooks(viewer: Viewer, organizationId: string): boolean {
  return canManageOrganization(viewer, organizationId);
}

/**
 * Revoking a client or rotating its secret: people who are ADMINs of its
 * organisation, or platform admins. A client never manages clients, its own
 * secret included: a leaked secret must not be able to renew itself.
 */
export function canManageApiClients(viewer: Viewer, organizationId: string): boolean {
  return viewer.kind === 'user' && canManageOrganization(viewer, organizationId);
}

/**
 * Sessions (`authLogin`, `authRefresh`, `authLogout`, `authTokenForClient`)
 * are PUBLIC operations: the credential in the input is the authorisation
 * (password, refresh token, client secret), checked by the auth service.
 */

/** An event reaches the organisations and users it names, and platform admins. */
export function eventVisibleTo(viewer: Viewer, event: Pick<EventRecord, 'organizationIds' | 'userIds'>): boolean {
  if (viewer.isPlatformAdmin) return true;
  if (viewer.sharesAnyOrganization(event.organizationIds)) return true;
  return viewer.userId !== null && event.userIds.includes(viewer.userId);
}
