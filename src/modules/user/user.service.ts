import type { AppContext } from '../../shared/context';
import { UserErrorCode } from '../../shared/errors';
import { canSeeEmail } from '../../shared/auth/policy';
import { hashPassword } from '../../shared/auth/password';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { membershipsByUserId } from '../membership/membership.loaders';
import type { Membership } from '../membership/membership.entity';
import { User } from './user.entity';
import type { UserCreateInput } from './user.inputs';
import { usersById } from './user.loaders';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function findUser(ctx: AppContext, id: string): Promise<User | null> {
  return usersById(ctx).load(id);
}

export async function userEmail(ctx: AppContext, user: User): Promise<string | null> {
  const memberships = await membershipsByUserId(ctx).load(user.id);
  return canSeeEmail(ctx.viewer, user.id, memberships.map((m) => m.organizationId)) ? user.email : null;
}

/** A viewer sees all of their own memberships, and others' only in organisations whose members they may see. */
export async function visibleMemberships(ctx: AppContext, user: User): Promise<Membership[]> {
  const memberships = await membershipsByUserId(ctx).load(user.id);
  if (ctx.viewer.userId === user.id || ctx.viewer.isPlatformAdmin) return memberships;
  return memberships.filter((m) => ctx.viewer.isMemberOf(m.organizationId));
}

export async function createUser(ctx: AppContext, input: UserCreateInput): Promise<{ user: User }> {
  const check = new InputCheck();
  const email = check.text('email', input.email, { max: 254, required: true })?.toLowerCase() ?? null;
  if (email && !EMAIL.test(email)) check.add('email', UserErrorCode.INVALID, 'email is not an e-mail address.');
  const displayName = check.text('displayName', input.displayName, { max: 100, required: true });
  if (typeof input.password !== 'string' || input.password.length < 10 || input.password.length > 200) {
    check.add('password', UserErrorCode.OUT_OF_RANGE, 'password must be 10 to 200 characters.');
  }
  failIfAny(check.errors);
  const passwordHash = await hashPassword(input.password);

  return inTransaction(ctx, async (tx) => {
    if (await tx.em.existsBy(User, { email: email! })) fail('email', UserErrorCode.DUPLICATE, 'An account with this e-mail exists.');
    const { identifiers } = await tx.em.insert(User, { email: email!, displayName: displayName!, passwordHash, isPlatformAdmin: Boolean(input.isPlatformAdmin) });
    const user = await tx.em.findOneByOrFail(User, { id: identifiers[0].id });
    tx.audit({ action: 'userCreate', recordType: 'User', recordId: user.id, details: { email, isPlatformAdmin: user.isPlatformAdmin } });
    return { user };
  });
}
