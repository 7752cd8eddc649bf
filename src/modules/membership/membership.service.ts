import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { canManageOrganization, canSeeMembers } from '../../shared/auth/policy';
import { MemberRole } from '../../shared/auth/roles';
import { toGlobalId } from '../../shared/relay/global-id';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Organization } from '../organization/organization.entity';
import { User } from '../user/user.entity';
import { Membership } from './membership.entity';
import type { MembershipAddInput, MembershipRemoveInput } from './membership.inputs';
import { membershipsById } from './membership.loaders';

export async function findMembership(ctx: AppContext, id: string): Promise<Membership | null> {
  const membership = await membershipsById(ctx).load(id);
  return membership && canSeeMembers(ctx.viewer, membership.organizationId) ? membership : null;
}

export async function addMembership(ctx: AppContext, input: MembershipAddInput): Promise<{ membership: Membership }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const userId = check.id('userId', input.userId, 'User', { required: true });
  if (!Object.values(MemberRole).includes(input.role)) check.add('role', UserErrorCode.INVALID, 'Unknown role.');
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    if (!(await tx.em.existsBy(Organization, { id: organizationId! }))) fail('organizationId', UserErrorCode.NOT_FOUND, 'No Organization with this id.');
    if (!canManageOrganization(ctx.viewer, organizationId!)) throw forbidden('Only ADMINs of the organisation manage its members.');
    if (!(await tx.em.existsBy(User, { id: userId! }))) fail('userId', UserErrorCode.NOT_FOUND, 'No User with this id.');
    if (await tx.em.existsBy(Membership, { userId: userId!, organizationId: organizationId! })) {
      fail('userId', UserErrorCode.DUPLICATE, 'The user is already a member of this organisation.');
    }
    const { identifiers } = await tx.em.insert(Membership, { userId: userId!, organizationId: organizationId!, role: input.role });
    const membership = await tx.em.findOneByOrFail(Membership, { id: identifiers[0].id });
    tx.audit({ action: 'membershipAdd', recordType: 'Membership', recordId: membership.id, details: { userId, organizationId, role: input.role } });
    tx.emit({
      topic: 'network',
      type: 'membership.added',
      subjectId: organizationId,
      organizationIds: [organizationId!],
      userIds: [userId!],
      payload: { membershipId: membership.id, organizationId, userId, role: input.role, invalidatesViewers: [`user:${userId}`] },
    });
    return { membership };
  });
}

export async function removeMembership(ctx: AppContext, input: MembershipRemoveInput): Promise<{ removedMembershipId: string }> {
  const check = new InputCheck();
  const id = check.id('membershipId', input.membershipId, 'Membership', { required: true });
  failIfAny(check.errors);

  return inTransaction(ctx, async (tx) => {
    const membership = await tx.em.findOne(Membership, { where: { id: id! }, lock: { mode: 'pessimistic_write' } });
    if (!membership || !canSeeMembers(ctx.viewer, membership.organizationId)) fail('membershipId', UserErrorCode.NOT_FOUND, 'No Membership with this id.');
    if (!canManageOrganization(ctx.viewer, membership.organizationId)) throw forbidden('Only ADMINs of the organisation manage its members.');
    if (membership.role === MemberRole.ADMIN) {
      // Lock the organisation's admins so two concurrent removals cannot both pass this check.
      const admins = await tx.em.find(Membership, {
        where: { organizationId: membership.organizationId, role: MemberRole.ADMIN },
        lock: { mode: 'pessimistic_write' },
      });
      if (admins.length <= 1) fail('membershipId', UserErrorCode.LAST_ADMIN, 'An organisation must keep at least one ADMIN.');
    }
    await tx.em.delete(Membership, { id: membership.id });
    tx.audit({
      action: 'membershipRemove',
      recordType: 'Membership',
      recordId: membership.id,
      details: { userId: membership.userId, organizationId: membership.organizationId, role: membership.role },
    });
    tx.emit({
      topic: 'network',
      type: 'membership.removed',
      subjectId: membership.organizationId,
      organizationIds: [membership.organizationId],
      userIds: [membership.userId],
      payload: { membershipId: membership.id, organizationId: membership.organizationId, userId: membership.userId, invalidatesViewers: [`user:${membership.userId}`] },
    });
    return { removedMembershipId: toGlobalId('Membership', membership.id) };
  });
}
