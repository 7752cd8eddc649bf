import type { DataSource } from 'typeorm';
import type { AppContext } from '../../src/shared/context';
import { TokenService } from '../../src/shared/auth/jwt';
import { ApiClientScope, MemberRole } from '../../src/shared/auth/roles';
import { ViewerResolver } from '../../src/shared/auth/viewer-resolver';
import { Viewer } from '../../src/shared/auth/viewer';

/**
 * The per-subject identity cache that sockets and subscription events read.
 * A subscription re-runs its start check (SQL per subscriber) when its
 * viewer's facts change or after an invalidation; every read is a new object,
 * so memos kept per viewer object (the case scope) never outlive a request.
 */
const USER = '0b6f1c2e-4a7d-4c1e-9a55-2f0d3c8e9b10';
const ORG_A = '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5';
const ORG_B = '2d3e4f5a-6b7c-4d8e-9fa0-b1c2d3e4f5a6';

type Row = { is_platform_admin: boolean; organization_id: string | null; role: MemberRole | null };

function given(rows: Row[]) {
  const db = { query: async () => rows.map((row) => ({ ...row })) };
  const tokens = new TokenService({ secret: 'viewer-cache-test-secret-0123456789abcdef', issuer: 'gongzhi', audience: 'gongzhi-api', ttlSeconds: 600 });
  const viewers = new ViewerResolver(db as unknown as DataSource, tokens);
  const authorization = `Bearer ${tokens.issue(`user:${USER}`).token}`;
  const read = async (mode: 'fresh' | 'cached'): Promise<Viewer> => {
    const answer = await viewers.authenticate(authorization, mode);
    if ('error' in answer) throw new Error(answer.error);
    return answer.viewer;
  };
  const context = (sessionExpiresAt: Date | null) => ({ subject: `user:${USER}`, sessionExpiresAt }) as AppContext;
  return { rows, viewers, read, context };
}

const member = (organizationId: string, role = MemberRole.MEMBER): Row => ({ is_platform_admin: false, organization_id: organizationId, role });

describe('re-reading a cached identity', () => {
  test('given a cached user, when the same facts are read again (another socket, the TTL ran out), then a new viewer object with the same facts: memos kept per viewer object start afresh', async () => {
    const { read } = given([member(ORG_A), member(ORG_B)]);
    const first = await read('fresh');
    const again = await read('fresh');
    expect(again).not.toBe(first);
    expect(again.sameFactsAs(first)).toBe(true);
  });

  test('given a cached user, when a role changed, then a new viewer with the new role', async () => {
    const { rows, read } = given([member(ORG_A)]);
    const first = await read('fresh');
    rows[0] = member(ORG_A, MemberRole.ADMIN);
    const again = await read('fresh');
    expect(again).not.toBe(first);
    expect(again.roleIn(ORG_A)).toBe(MemberRole.ADMIN);
  });

  test('given a cached user, when a membership was replaced by another, then a new viewer', async () => {
    const { rows, read } = given([member(ORG_A)]);
    const first = await read('fresh');
    rows[0] = member(ORG_B);
    const again = await read('fresh');
    expect(again).not.toBe(first);
    expect(again.isMemberOf(ORG_A)).toBe(false);
  });

  test('given a cached user, when made platform admin, then a new viewer', async () => {
    const { rows, read } = given([member(ORG_A)]);
    const first = await read('fresh');
    rows[0] = { ...member(ORG_A), is_platform_admin: true };
    expect(await read('fresh')).not.toBe(first);
  });

  test('given a cached user, when invalidated (a membership event), then the next read is a new object even with the same facts', async () => {
    const { viewers, read } = given([member(ORG_A)]);
    const first = await read('fresh');
    viewers.invalidate([`user:${USER}`]);
    expect(await read('fresh')).not.toBe(first);
  });
});

describe('the identity without a promise (currentIfCached)', () => {
  test('given a cached user, then the cached viewer at once', async () => {
    const { viewers, read, context } = given([member(ORG_A)]);
    const viewer = await read('fresh');
    expect(viewers.currentIfCached(context(new Date(Date.now() + 60_000)))).toBe(viewer);
  });

  test('given an expired token, then null (signed out), even with the identity cached', async () => {
    const { viewers, read, context } = given([member(ORG_A)]);
    await read('fresh');
    expect(viewers.currentIfCached(context(new Date(Date.now() - 1)))).toBeNull();
  });

  test('given nothing cached (never read, or invalidated), then undefined: only a read can tell', async () => {
    const { viewers, read, context } = given([member(ORG_A)]);
    expect(viewers.currentIfCached(context(null))).toBeUndefined();
    await read('fresh');
    viewers.invalidate([`user:${USER}`]);
    expect(viewers.currentIfCached(context(null))).toBeUndefined();
  });
});

describe('same facts (what tells a subscription its viewer changed)', () => {
  const base = () => Viewer.user(USER, false, new Map([[ORG_A, MemberRole.MEMBER], [ORG_B, MemberRole.ADMIN]]));
  const variants: Record<string, Viewer> = {
    'another user': Viewer.user(ORG_A, false, new Map([[ORG_A, MemberRole.MEMBER], [ORG_B, MemberRole.ADMIN]])),
    'made platform admin': Viewer.user(USER, true, new Map([[ORG_A, MemberRole.MEMBER], [ORG_B, MemberRole.ADMIN]])),
    'one membership fewer': Viewer.user(USER, false, new Map([[ORG_A, MemberRole.MEMBER]])),
    'one membership more': Viewer.user(USER, false, new Map([[ORG_A, MemberRole.MEMBER], [ORG_B, MemberRole.ADMIN], [USER, MemberRole.OBSERVER]])),
    'another role in one organisation': Viewer.user(USER, false, new Map([[ORG_A, MemberRole.COORDINATOR], [ORG_B, MemberRole.ADMIN]])),
    'another organisation, same count': Viewer.user(USER, false, new Map([[ORG_A, MemberRole.MEMBER], [USER, MemberRole.ADMIN]])),
    'a client of the organisation': Viewer.client('client-1', ORG_A, ApiClientScope.READ_WRITE),
  };

  test('given a viewer read again with the same facts (a new object), then the same facts; and the same object is the same', () => {
    const first = base();
    expect([first.sameFactsAs(base()), first.sameFactsAs(first)]).toEqual([true, true]);
  });

  test('given each single change of identity, memberships or roles, then not the same facts, whichever side asks', () => {
    const answers = Object.fromEntries(Object.entries(variants).map(([name, other]) => [name, [base().sameFactsAs(other), other.sameFactsAs(base())]]));
    expect(answers).toEqual(Object.fromEntries(Object.keys(variants).map((name) => [name, [false, false]])));
  });

  test('given two clients of one organisation differing only in scope or id, then not the same facts', () => {
    const client = Viewer.client('client-1', ORG_A, ApiClientScope.READ_WRITE);
    expect([client.sameFactsAs(Viewer.client('client-1', ORG_A, ApiClientScope.READ)), client.sameFactsAs(Viewer.client('client-2', ORG_A, ApiClientScope.READ_WRITE)), client.sameFactsAs(Viewer.client('client-1', ORG_A, ApiClientScope.READ_WRITE))]).toEqual([false, false, true]);
  });

  test('given the signed-out viewer and an organisation audience, then each is the same only as itself', () => {
    expect([Viewer.anonymous().sameFactsAs(Viewer.anonymous()), Viewer.organization(ORG_A).sameFactsAs(Viewer.client('x', ORG_A, ApiClientScope.READ)), Viewer.organization(ORG_A).sameFactsAs(Viewer.organization(ORG_A))]).toEqual([true, false, true]);
  });
});
