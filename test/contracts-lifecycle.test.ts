import { clock } from '../src/shared/clock';
import { fromGlobalId, toGlobalId } from '../src/shared/relay/global-id';
import { errorCodes, gql } from './support/graphql';
import { addMember, startHarness, stopHarness, type Harness } from './support/harness';
import { Membership } from '../src/modules/membership/membership.entity';
import { MemberRole } from '../src/shared/auth/roles';
import { CONTRACT_FIELDS, PROPOSE, SIGN, activeContract, dayOffset, draftContract, noonOn } from './support/contracts';
import { test as failFastTest } from './support/mutation-run';

/**
 * Each test drives a real server through several requests: on a loaded machine one took up to 19 s, near the
 * 20 s a test gets under a mutant by default, and a test cut off there counts as a kill. One minute for each.
 */
const test = (name: string, fn: () => unknown) => failFastTest(name, fn, 60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // The first contract version on record is a draft's and is never signed, whatever order the tests run in: a job
  // step that read some version rather than the contract's current one would find it unsigned.
  await draftContract(h, { title: 'never signed' });
});
afterEach(() => clock.reset());
afterAll(async () => {
  clock.reset();
  await stopHarness(h);
});

const UPDATE = `mutation ($input: ContractUpdateInput!) { contractUpdate(input: $input) { contract { ${CONTRACT_FIELDS} } userErrors { field code } } }`;
const AMEND = `mutation ($input: ContractAmendInput!) { contractAmend(input: $input) { contract { ${CONTRACT_FIELDS} } userErrors { field code } } }`;
const SUSPEND = `mutation ($input: ContractReasonInput!) { contractSuspend(input: $input) { contract { status version statusReason } userErrors { code } } }`;
const RESUME = `mutation ($input: ContractStepInput!) { contractResume(input: $input) { contract { status version statusReason } userErrors { code } } }`;
const TERMINATE = `mutation ($input: ContractReasonInput!) { contractTerminate(input: $input) { contract { status version statusReason } userErrors { code } } }`;
const READ = `query ($id: ID!) { contract(id: $id) { ${CONTRACT_FIELDS}
  versions { totalCount nodes { number note signedAt terms { fee { amountMinor } serviceLevels { metric target } } signatures { organization { id } } } } } }`;

const uuid = (globalId: string) => fromGlobalId(globalId)!.id;
const auditActions = async (contractId: string) =>
  (await h.server.services.db.query(`SELECT action FROM audit_entry WHERE record_type = 'Contract' AND record_id = $1 ORDER BY id`, [uuid(contractId)])).map((r: { action: string }) => r.action);
const read = async (id: string, token = h.world.tokens.communityAdmin) => (await gql(h.server.httpUrl, READ, { id }, token)).body.data.contract;
/**
 * Days from today past the end of every CONTRACTS_WITH relation on record: a contract ending then must carry
 * its client-provider relation further, whatever contracts earlier tests (in any order) put in force.
 */
const beyondEveryRelation = async () => {
  const [{ days }] = await h.server.services.db.query(`SELECT coalesce(max(ends_on) - $1::date, 0)::int AS days FROM relationship WHERE type = 'CONTRACTS_WITH'`, [dayOffset(0)]);
  return Math.max(days, 400) + 100;
};

describe('contract lifecycle', () => {
  test('given a DRAFT, when a named party ADMIN that did not draft it signs it, then NOT_FOUND (a draft is not yet proposed to it) and nothing changes', async () => {
    const contract = await draftContract(h);
    const response = await gql(h.server.httpUrl, SIGN, { input: { id: contract.id, expectedVersion: contract.version } }, h.world.tokens.securityAdmin);
    expect(response.body.data.contractSign.userErrors).toEqual([{ field: ['input', 'id'], code: 'NOT_FOUND' }]);
    const own = await gql(h.server.httpUrl, SIGN, { input: { id: contract.id, expectedVersion: contract.version } }, h.world.tokens.communityAdmin);
    expect(own.body.data.contractSign.userErrors).toEqual([{ field: ['input', 'id'], code: 'INVALID_TRANSITION' }]);
    const after = await read(contract.id);
    expect(after).toMatchObject({ status: 'DRAFT', version: contract.version });
    const [{ n }] = await h.server.services.db.query('SELECT count(*)::int AS n FROM contract_signature WHERE contract_id = $1', [uuid(contract.id)]);
    expect(n).toBe(0);
  });

  test('given a DRAFT, when updated with a stale version, then CONFLICT; with the current one, the terms change', async () => {
    const contract = await draftContract(h);
    const stale = await gql(h.server.httpUrl, UPDATE, { input: { id: contract.id, expectedVersion: contract.version + 5, feeMinor: 1 } }, h.world.tokens.communityAdmin);
    expect(stale.body.data.contractUpdate.userErrors).toEqual([{ field: ['input', 'expectedVersion'], code: 'CONFLICT' }]);
    const ok = await gql(h.server.httpUrl, UPDATE, { input: { id: contract.id, expectedVersion: contract.version, feeMinor: 1_300_000 } }, h.world.tokens.communityAdmin);
    expect(ok.body.data.contractUpdate.userErrors).toEqual([]);
    expect(ok.body.data.contractUpdate.contract).toMatchObject({ version: contract.version + 1, fee: { amountMinor: 1_300_000 } });
  });

  test('given a proposal, when every party ADMIN signs, then it becomes ACTIVE; a second signature is ALREADY_DONE', async () => {
    const drafted = await draftContract(h);
    const proposed = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    expect(proposed.status).toBe('PROPOSED');
    expect(proposed.awaitingSignatureFrom).toHaveLength(3);
    let current = proposed;
    for (const token of [h.world.tokens.communityAdmin, h.world.tokens.securityAdmin]) {
      current = (await gql(h.server.httpUrl, SIGN, { input: { id: current.id, expectedVersion: current.version } }, token)).body.data.contractSign.contract;
    }
    expect(current).toMatchObject({ status: 'PROPOSED', awaitingSignatureFrom: [{ id: h.world.gid.org('police') }] });
    const twice = await gql(h.server.httpUrl, SIGN, { input: { id: current.id, expectedVersion: current.version } }, h.world.tokens.securityAdmin);
    expect(twice.body.data.contractSign.userErrors).toEqual([{ field: ['input', 'organizationId'], code: 'ALREADY_DONE' }]);
    const last = await gql(h.server.httpUrl, SIGN, { input: { id: current.id, expectedVersion: current.version } }, h.world.tokens.policeAdmin);
    expect(last.body.data.contractSign.contract).toMatchObject({ status: 'ACTIVE', awaitingSignatureFrom: [] });
    expect(await auditActions(drafted.id)).toEqual(['contractDraft', 'contractPropose', 'contractSign', 'contractSign', 'contractSign', 'contractActivate']);
    const events = await h.server.services.db.query(`SELECT type FROM event WHERE topic = 'contract' AND subject_id = $1 ORDER BY id`, [uuid(drafted.id)]);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['contract.drafted', 'contract.proposed', 'contract.signed', 'contract.signed', 'contract.signed', 'contract.activated']);
  });

  test('given a proposal, when an unrelated organisation signs, then NOT_FOUND; when a guiding non-party signs for itself, then NOT_PERMITTED_HERE', async () => {
    const drafted = await draftContract(h, {
      parties: [
        { organizationId: h.world.gid.org('community'), role: 'CLIENT' },
        { organizationId: h.world.gid.org('security'), role: 'PROVIDER' },
      ],
      clauses: [],
    });
    const proposed = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    const outsider = await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version } }, h.world.tokens.outsider);
    expect(outsider.body.data.contractSign).toEqual({ contract: null, userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND' }] });
    await gql(
      h.server.httpUrl,
      `mutation ($input: RelationshipCreateInput!) { relationshipCreate(input: $input) { relationship { id } userErrors { code } } }`,
      { input: { fromOrganizationId: h.world.gid.org('police'), toOrganizationId: h.world.gid.org('security'), type: 'SUPERVISES', startsOn: dayOffset(-1) } },
      h.world.tokens.policeAdmin,
    ).then((r) =>
      gql(h.server.httpUrl, `mutation ($input: RelationshipAnswerInput!) { relationshipAccept(input: $input) { userErrors { code } } }`, { input: { id: r.body.data.relationshipCreate.relationship.id } }, h.world.tokens.securityAdmin),
    );
    const police = await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version, organizationId: h.world.gid.org('police') } }, h.world.tokens.policeAdmin);
    expect(police.body.data.contractSign.userErrors).toEqual([{ field: ['input', 'organizationId'], code: 'NOT_PERMITTED_HERE' }]);
    const member = await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version } }, h.world.tokens.communityMember);
    expect(errorCodes(member)).toEqual(['FORBIDDEN']);
    expect((await read(proposed.id)).version).toBe(proposed.version);
  });

  test('given an ACTIVE contract, when amended and signed by every party, then the new terms apply and both versions stay readable', async () => {
    const active = await activeContract(h);
    const amended = await gql(
      h.server.httpUrl,
      AMEND,
      { input: { id: active.id, expectedVersion: active.version, note: '增加夜間巡邏', feeMinor: 1_500_000, serviceLevels: [{ metric: 'PATROLS_PER_DAY', target: 6, period: 'MONTH' }] } },
      h.world.tokens.securityAdmin,
    );
    let contract = amended.body.data.contractAmend.contract;
    expect(amended.body.data.contractAmend.userErrors).toEqual([]);
    expect(contract).toMatchObject({ status: 'ACTIVE', currentVersionNumber: 1, pendingAmendment: { number: 2 }, fee: { amountMinor: 1_200_000 } });
    const again = await gql(h.server.httpUrl, AMEND, { input: { id: contract.id, expectedVersion: contract.version, note: 'second' } }, h.world.tokens.securityAdmin);
    expect(again.body.data.contractAmend.userErrors).toEqual([{ field: ['input', 'id'], code: 'INVALID_TRANSITION' }]);
    for (const token of [h.world.tokens.communityAdmin, h.world.tokens.securityAdmin, h.world.tokens.policeAdmin]) {
      contract = (await gql(h.server.httpUrl, SIGN, { input: { id: contract.id, expectedVersion: contract.version } }, token)).body.data.contractSign.contract;
    }
    const now = await read(contract.id);
    expect(now).toMatchObject({ status: 'ACTIVE', currentVersionNumber: 2, pendingAmendment: null, fee: { amountMinor: 1_500_000 }, serviceLevels: [{ metric: 'PATROLS_PER_DAY', target: 6 }] });
    expect(now.versions.totalCount).toBe(2);
    expect(now.versions.nodes[0].terms).toEqual({ fee: { amountMinor: 1_200_000 }, serviceLevels: [{ metric: 'PATROLS_PER_DAY', target: 4 }, { metric: 'CHECKPOINT_COVERAGE', target: 90 }] });
    expect(now.versions.nodes[1]).toMatchObject({ number: 2, note: '增加夜間巡邏', terms: { fee: { amountMinor: 1_500_000 } } });
    expect(now.versions.nodes[1].signatures).toHaveLength(3);
    expect(await auditActions(contract.id)).toEqual(expect.arrayContaining(['contractAmend', 'contractAmendmentInForce']));
  });

  test('given an ACTIVE contract, when suspended, resumed and terminated, then each step applies and a TERMINATED contract cannot be amended', async () => {
    const active = await activeContract(h);
    const suspended = (await gql(h.server.httpUrl, SUSPEND, { input: { id: active.id, expectedVersion: active.version, reason: '服務未達標' } }, h.world.tokens.communityAdmin)).body.data.contractSuspend;
    expect(suspended.contract).toMatchObject({ status: 'SUSPENDED', statusReason: '服務未達標' });
    const resumed = (await gql(h.server.httpUrl, RESUME, { input: { id: active.id, expectedVersion: suspended.contract.version } }, h.world.tokens.securityAdmin)).body.data.contractResume;
    // Back in force: the suspension reason no longer applies.
    expect(resumed.contract).toMatchObject({ status: 'ACTIVE', statusReason: null });
    const resumeAgain = await gql(h.server.httpUrl, RESUME, { input: { id: active.id, expectedVersion: resumed.contract.version } }, h.world.tokens.securityAdmin);
    expect(resumeAgain.body.data.contractResume.userErrors).toEqual([{ code: 'INVALID_TRANSITION' }]);
    const terminated = (await gql(h.server.httpUrl, TERMINATE, { input: { id: active.id, expectedVersion: resumed.contract.version, reason: '社區另選服務商' } }, h.world.tokens.communityAdmin)).body.data.contractTerminate;
    expect(terminated.contract).toMatchObject({ status: 'TERMINATED', statusReason: '社區另選服務商' });
    const amend = await gql(h.server.httpUrl, AMEND, { input: { id: active.id, expectedVersion: terminated.contract.version, note: 'too late', feeMinor: 1 } }, h.world.tokens.communityAdmin);
    expect(amend.body.data.contractAmend.userErrors).toEqual([{ field: ['input', 'id'], code: 'INVALID_TRANSITION' }]);
    expect((await read(active.id)).fee.amountMinor).toBe(1_200_000);
    expect(await auditActions(active.id)).toEqual(expect.arrayContaining(['contractSuspend', 'contractResume', 'contractTerminate']));
  });

  test('given a party MEMBER (not ADMIN), when suspending, then FORBIDDEN', async () => {
    const active = await activeContract(h);
    const response = await gql(h.server.httpUrl, SUSPEND, { input: { id: active.id, expectedVersion: active.version, reason: 'x' } }, h.world.tokens.communityMember);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });
});

describe('contracts over time', () => {
  test('given an ACTIVE contract, when the day after its end date comes, then the scheduler expires it by itself', async () => {
    const active = await activeContract(h, { endsOn: dayOffset(2) });
    clock.freeze(noonOn(dayOffset(2)));
    await h.server.scheduler.runAll();
    expect((await read(active.id)).status).toBe('ACTIVE');
    clock.freeze(noonOn(dayOffset(3)));
    await h.server.scheduler.runAll();
    clock.reset();
    expect((await read(active.id)).status).toBe('EXPIRED');
    expect(await auditActions(active.id)).toContain('contractExpire');
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM event WHERE topic = 'contract' AND type = 'contract.expired' AND subject_id = $1`, [uuid(active.id)]);
    expect(n).toBe(1);
  });

  test('given a fully signed contract starting in the future, then it stays PROPOSED until the job activates it on its start date', async () => {
    const signed = await activeContract(h, { startsOn: dayOffset(10), endsOn: dayOffset(100) });
    expect(signed).toMatchObject({ status: 'PROPOSED', awaitingSignatureFrom: [] });
    clock.freeze(noonOn(dayOffset(9)));
    await h.server.scheduler.runAll();
    expect((await read(signed.id)).status).toBe('PROPOSED');
    clock.freeze(noonOn(dayOffset(10)));
    await h.server.scheduler.runAll();
    clock.reset();
    expect((await read(signed.id)).status).toBe('ACTIVE');
    expect(await auditActions(signed.id)).toContain('contractActivate');
  });
});

describe('what time does to proposals and amendments', () => {
  const relationAudits = async (contractId: string) =>
    (await h.server.services.db.query(`SELECT action FROM audit_entry WHERE record_type = 'Relationship' AND details->>'contractId' = $1`, [uuid(contractId)])).map((r: { action: string }) => r.action);

  test('given a fully signed contract starting in the future and ending after every other, when the job activates it, then only then does the client-provider relation carry it', async () => {
    const signed = await activeContract(h, { startsOn: dayOffset(5), endsOn: dayOffset(await beyondEveryRelation()) });
    expect(await relationAudits(signed.id)).toEqual([]);
    clock.freeze(noonOn(dayOffset(5)));
    await h.server.scheduler.runAll();
    clock.reset();
    expect((await read(signed.id)).status).toBe('ACTIVE');
    expect(await relationAudits(signed.id)).toHaveLength(1);
  });

  test('given a proposal not every party signed, when its end date passes, then the job expires it, once', async () => {
    const [endsOn, dayAfter] = [dayOffset(2), dayOffset(3)];
    const drafted = await draftContract(h, { startsOn: dayOffset(-1), endsOn });
    const proposed = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version } }, h.world.tokens.communityAdmin);
    clock.freeze(noonOn(endsOn));
    await h.server.scheduler.runAll();
    expect((await read(proposed.id)).status).toBe('PROPOSED');
    clock.freeze(noonOn(dayAfter));
    await h.server.scheduler.runAll();
    await h.server.scheduler.runAll();
    clock.reset();
    expect((await read(proposed.id)).status).toBe('EXPIRED');
    const events = await h.server.services.db.query(`SELECT payload FROM event WHERE topic = 'contract' AND type = 'contract.expired' AND subject_id = $1`, [uuid(proposed.id)]);
    expect(events.map((e: { payload: unknown }) => e.payload)).toEqual([{ contractId: uuid(proposed.id), status: 'EXPIRED', from: 'PROPOSED' }]);
    const [audit] = await h.server.services.db.query(`SELECT details FROM audit_entry WHERE record_id = $1 AND action = 'contractExpire'`, [uuid(proposed.id)]);
    expect(audit.details).toEqual({ from: 'PROPOSED', to: 'EXPIRED', on: dayAfter, by: 'scheduler' });
  });

  test('given ACTIVE contracts with an amendment awaiting signatures, when one expires and the other is terminated, then each amendment is withdrawn and awaits nobody', async () => {
    const amendIt = async (contract: { id: string; version: number }) =>
      (await gql(h.server.httpUrl, AMEND, { input: { id: contract.id, expectedVersion: contract.version, note: '調整費用', feeMinor: 1_300_000 } }, h.world.tokens.securityAdmin)).body.data.contractAmend.contract;
    const withdrawn = async (contractId: string) =>
      (await h.server.services.db.query(`SELECT number, withdrawn_at IS NOT NULL AS withdrawn FROM contract_version WHERE contract_id = $1 ORDER BY number`, [uuid(contractId)])).map(
        (r: { number: number; withdrawn: boolean }) => [r.number, r.withdrawn],
      );
    const expiring = await amendIt(await activeContract(h, { endsOn: dayOffset(2) }));
    const ending = await amendIt(await activeContract(h));
    clock.freeze(noonOn(dayOffset(3)));
    await h.server.scheduler.runAll();
    clock.reset();
    expect(await read(expiring.id)).toMatchObject({ status: 'EXPIRED', pendingAmendment: null, currentVersionNumber: 1 });
    expect(await withdrawn(expiring.id)).toEqual([[1, false], [2, true]]);
    const terminated = await gql(h.server.httpUrl, TERMINATE, { input: { id: ending.id, expectedVersion: ending.version, reason: '另選服務商' } }, h.world.tokens.communityAdmin);
    expect(terminated.body.data.contractTerminate.userErrors).toEqual([]);
    expect(await read(ending.id)).toMatchObject({ status: 'TERMINATED', pendingAmendment: null, awaitingSignatureFrom: [] });
    expect(await withdrawn(ending.id)).toEqual([[1, false], [2, true]]);
  });
});

describe('signing against the version read', () => {
  test('given a proposal one party already signed, when another party signs with the version read before that signature, then CONFLICT and no signature is stored', async () => {
    const drafted = await draftContract(h);
    const proposed = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version } }, h.world.tokens.communityAdmin);
    const older = await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version } }, h.world.tokens.securityAdmin);
    expect(older.body.data.contractSign.userErrors).toEqual([{ field: ['input', 'expectedVersion'], code: 'CONFLICT' }]);
    const [{ n }] = await h.server.services.db.query('SELECT count(*)::int AS n FROM contract_signature WHERE contract_id = $1', [uuid(proposed.id)]);
    expect(n).toBe(1);
  });

  test('given a DRAFT changed once, when updated with the version before the change, then CONFLICT: an older version conflicts like a newer one', async () => {
    const contract = await draftContract(h);
    const changed = (await gql(h.server.httpUrl, UPDATE, { input: { id: contract.id, expectedVersion: contract.version, feeMinor: 1_300_000 } }, h.world.tokens.communityAdmin)).body.data.contractUpdate.contract;
    expect(changed.version).toBe(contract.version + 1);
    const older = await gql(h.server.httpUrl, UPDATE, { input: { id: contract.id, expectedVersion: contract.version, feeMinor: 1 } }, h.world.tokens.communityAdmin);
    expect(older.body.data.contractUpdate.userErrors).toEqual([{ field: ['input', 'expectedVersion'], code: 'CONFLICT' }]);
    expect((await read(contract.id)).fee).toEqual(expect.objectContaining({ amountMinor: 1_300_000 }));
  });

  test('given a proposal whose end date passes before the last signature, when the last party signs, then it is EXPIRED, never ACTIVE', async () => {
    const drafted = await draftContract(h, { startsOn: dayOffset(-10), endsOn: dayOffset(1) });
    let current = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    for (const token of [h.world.tokens.communityAdmin, h.world.tokens.securityAdmin]) {
      current = (await gql(h.server.httpUrl, SIGN, { input: { id: current.id, expectedVersion: current.version } }, token)).body.data.contractSign.contract;
    }
    clock.freeze(noonOn(dayOffset(2)));
    const last = await gql(h.server.httpUrl, SIGN, { input: { id: current.id, expectedVersion: current.version } }, h.world.tokens.policeAdmin);
    clock.reset();
    expect(last.body.data.contractSign.contract).toMatchObject({ status: 'EXPIRED', awaitingSignatureFrom: [] });
    expect(await auditActions(drafted.id)).not.toContain('contractActivate');
  });
});

describe('signing for one of several parties', () => {
  const signedBy = async (contractId: string) =>
    (await h.server.services.db.query(`SELECT organization_id, signed_by_user_id FROM contract_signature WHERE contract_id = $1 ORDER BY signed_at, organization_id`, [uuid(contractId)])).map(
      (r: { organization_id: string; signed_by_user_id: string }) => [r.organization_id, r.signed_by_user_id],
    );

  test('given an ADMIN of both the client and the provider, when signing without naming a party, then REQUIRED while both are unsigned, the one left unsigned once the other signed, and ALREADY_DONE when both have', async () => {
    const both = await addMember(h, 'Both', uuid(h.world.gid.org('community')), MemberRole.ADMIN);
    await h.server.services.db.getRepository(Membership).insert({ userId: both.id, organizationId: uuid(h.world.gid.org('security')), role: 'ADMIN' as never });
    const drafted = await draftContract(h);
    let contract = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    const sign = (input: Record<string, unknown>) => gql(h.server.httpUrl, SIGN, { input: { id: contract.id, expectedVersion: contract.version, ...input } }, both.token);

    expect((await sign({})).body.data.contractSign.userErrors).toEqual([{ field: ['input', 'organizationId'], code: 'REQUIRED' }]);
    contract = (await sign({ organizationId: h.world.gid.org('community') })).body.data.contractSign.contract;
    contract = (await sign({})).body.data.contractSign.contract;
    expect(contract).toMatchObject({ status: 'PROPOSED', awaitingSignatureFrom: [{ id: h.world.gid.org('police') }] });
    expect((await sign({})).body.data.contractSign.userErrors).toEqual([{ field: ['input', 'organizationId'], code: 'ALREADY_DONE' }]);
    expect(await signedBy(contract.id)).toEqual(expect.arrayContaining([[uuid(h.world.gid.org('community')), both.id], [uuid(h.world.gid.org('security')), both.id]]));
    expect(await signedBy(contract.id)).toHaveLength(2);
  });

  test('given a proposal, when a party ADMIN signs, then the signed event names the version, the party and the parties still awaited', async () => {
    const drafted = await draftContract(h);
    const proposed = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version } }, h.world.tokens.securityAdmin);
    const [event] = await h.server.services.db.query(`SELECT payload FROM event WHERE topic = 'contract' AND type = 'contract.signed' AND subject_id = $1`, [uuid(proposed.id)]);
    expect(event.payload).toEqual({
      contractId: uuid(proposed.id),
      status: 'PROPOSED',
      versionNumber: 1,
      organizationId: uuid(h.world.gid.org('security')),
      awaitingOrganizationIds: expect.arrayContaining([uuid(h.world.gid.org('community')), uuid(h.world.gid.org('police'))]),
    });
    expect(event.payload.awaitingOrganizationIds).toHaveLength(2);
  });
});

describe('the record a contract\'s life leaves', () => {
  const eventsOf = async (contractId: string, types: string[]) =>
    (await h.server.services.db.query(`SELECT type, payload FROM event WHERE topic = 'contract' AND subject_id = $1 AND type = ANY($2) ORDER BY id`, [uuid(contractId), types])).map(
      (r: { type: string; payload: Record<string, unknown> }) => [r.type, r.payload],
    );
  const auditsOf = async (contractId: string, actions: string[]) =>
    (await h.server.services.db.query(`SELECT action, details FROM audit_entry WHERE record_type = 'Contract' AND record_id = $1 AND action = ANY($2) ORDER BY id`, [uuid(contractId), actions])).map(
      (r: { action: string; details: Record<string, unknown> }) => [r.action, r.details],
    );

  test('given an ACTIVE contract, when amended, the amendment signed, suspended, resumed and terminated, then each step\'s event and audit entry say what changed', async () => {
    const active = await activeContract(h);
    const id = uuid(active.id);
    const [community, security, police] = (['community', 'security', 'police'] as const).map((k) => uuid(h.world.gid.org(k)));
    let contract = (await gql(h.server.httpUrl, AMEND, { input: { id: active.id, expectedVersion: active.version, note: '增加夜間巡邏', feeMinor: 1_500_000 } }, h.world.tokens.securityAdmin)).body.data.contractAmend.contract;
    for (const token of [h.world.tokens.communityAdmin, h.world.tokens.securityAdmin, h.world.tokens.policeAdmin]) {
      contract = (await gql(h.server.httpUrl, SIGN, { input: { id: contract.id, expectedVersion: contract.version } }, token)).body.data.contractSign.contract;
    }
    contract = (await gql(h.server.httpUrl, SUSPEND, { input: { id: active.id, expectedVersion: contract.version, reason: '服務未達標' } }, h.world.tokens.communityAdmin)).body.data.contractSuspend.contract;
    contract = (await gql(h.server.httpUrl, RESUME, { input: { id: active.id, expectedVersion: contract.version } }, h.world.tokens.securityAdmin)).body.data.contractResume.contract;
    await gql(h.server.httpUrl, TERMINATE, { input: { id: active.id, expectedVersion: contract.version, reason: '社區另選服務商' } }, h.world.tokens.communityAdmin);

    expect(await eventsOf(active.id, ['contract.amendmentProposed', 'contract.amendmentInForce', 'contract.suspended', 'contract.resumed', 'contract.terminated'])).toEqual([
      ['contract.amendmentProposed', { contractId: id, status: 'ACTIVE', versionNumber: 2, awaitingOrganizationIds: expect.arrayContaining([community, security, police]) }],
      ['contract.amendmentInForce', { contractId: id, status: 'ACTIVE', versionNumber: 2 }],
      ['contract.suspended', { contractId: id, status: 'SUSPENDED', from: 'ACTIVE', reason: '服務未達標' }],
      ['contract.resumed', { contractId: id, status: 'ACTIVE', from: 'SUSPENDED', reason: null }],
      ['contract.terminated', { contractId: id, status: 'TERMINATED', from: 'ACTIVE', reason: '社區另選服務商' }],
    ]);
    const audits = await auditsOf(active.id, ['contractAmend', 'contractSign', 'contractAmendmentInForce', 'contractSuspend', 'contractResume', 'contractTerminate']);
    expect(audits.slice(3)).toEqual([
      ['contractAmend', { versionNumber: 2, note: '增加夜間巡邏', terms: expect.objectContaining({ feeMinor: '1500000' }) }],
      ['contractSign', { organizationId: expect.any(String), versionNumber: 2, fullySigned: false }],
      ['contractSign', { organizationId: expect.any(String), versionNumber: 2, fullySigned: false }],
      ['contractSign', { organizationId: police, versionNumber: 2, fullySigned: true }],
      ['contractAmendmentInForce', { versionNumber: 2 }],
      ['contractSuspend', { from: 'ACTIVE', to: 'SUSPENDED', reason: '服務未達標', withdrawnVersion: null }],
      ['contractResume', { from: 'SUSPENDED', to: 'ACTIVE', reason: null, withdrawnVersion: null }],
      ['contractTerminate', { from: 'ACTIVE', to: 'TERMINATED', reason: '社區另選服務商', withdrawnVersion: null }],
    ]);
  });

  test('given a proposal whose end date passes before the last signature, when the last party signs, then the expiry is recorded and announced', async () => {
    const drafted = await draftContract(h, { startsOn: dayOffset(-10), endsOn: dayOffset(1) });
    let current = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    for (const token of [h.world.tokens.communityAdmin, h.world.tokens.securityAdmin]) {
      current = (await gql(h.server.httpUrl, SIGN, { input: { id: current.id, expectedVersion: current.version } }, token)).body.data.contractSign.contract;
    }
    const later = dayOffset(2);
    clock.freeze(noonOn(later));
    await gql(h.server.httpUrl, SIGN, { input: { id: current.id, expectedVersion: current.version } }, h.world.tokens.policeAdmin);
    clock.reset();
    expect(await eventsOf(drafted.id, ['contract.expired', 'contract.activated'])).toEqual([['contract.expired', { contractId: uuid(drafted.id), status: 'EXPIRED' }]]);
    expect(await auditsOf(drafted.id, ['contractExpire', 'contractActivate'])).toEqual([['contractExpire', { on: later }]]);
  });
});

describe('when a signature makes a contract bind', () => {
  test('given proposals starting today and ending today, when the last party signs, then both are ACTIVE at once (the first and the last day are in force)', async () => {
    for (const dates of [{ startsOn: dayOffset(0), endsOn: dayOffset(30) }, { startsOn: dayOffset(-30), endsOn: dayOffset(0) }]) {
      const signed = await activeContract(h, dates);
      expect(signed).toMatchObject({ status: 'ACTIVE', ...dates });
    }
  });

  test('given amendments that move the end date later, when fully signed while ACTIVE and while SUSPENDED, then the client-provider relation follows each', async () => {
    const refreshes = async (contractId: string) =>
      (await h.server.services.db.query(`SELECT count(*)::int AS n FROM audit_entry WHERE record_type = 'Relationship' AND details->>'contractId' = $1`, [uuid(contractId)]))[0].n;
    const beyond = await beyondEveryRelation();
    for (const [ends, amendedEnds, suspend] of [[beyond, beyond + 100, false], [beyond + 200, beyond + 300, true]] as const) {
      const active = await activeContract(h, { endsOn: dayOffset(ends) });
      expect(await refreshes(active.id)).toBe(1);
      let contract = (await gql(h.server.httpUrl, AMEND, { input: { id: active.id, expectedVersion: active.version, note: '延長服務期', endsOn: dayOffset(amendedEnds) } }, h.world.tokens.securityAdmin)).body.data.contractAmend.contract;
      if (suspend) contract = (await gql(h.server.httpUrl, SUSPEND, { input: { id: active.id, expectedVersion: contract.version, reason: '整改中' } }, h.world.tokens.communityAdmin)).body.data.contractSuspend.contract;
      for (const token of [h.world.tokens.communityAdmin, h.world.tokens.securityAdmin, h.world.tokens.policeAdmin]) {
        contract = (await gql(h.server.httpUrl, SIGN, { input: { id: active.id, expectedVersion: contract.version } }, token)).body.data.contractSign.contract;
      }
      expect(contract).toMatchObject({ status: suspend ? 'SUSPENDED' : 'ACTIVE', endsOn: dayOffset(amendedEnds) });
      expect(await refreshes(active.id)).toBe(2);
    }
  });

  test('given a proposal, when a party MEMBER signs naming their party, or a non-party ADMIN signs naming none, then FORBIDDEN and NOT_PERMITTED_HERE, and nothing is signed', async () => {
    const drafted = await draftContract(h, { parties: [{ organizationId: h.world.gid.org('community'), role: 'CLIENT' }, { organizationId: h.world.gid.org('security'), role: 'PROVIDER' }], clauses: [] });
    const proposed = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    const member = await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version, organizationId: h.world.gid.org('community') } }, h.world.tokens.communityMember);
    expect(errorCodes(member)).toEqual(['FORBIDDEN']);
    const platform = await gql(h.server.httpUrl, SIGN, { input: { id: proposed.id, expectedVersion: proposed.version } }, h.world.tokens.platformAdmin);
    expect(platform.body.data.contractSign.userErrors).toEqual([{ field: ['input', 'organizationId'], code: 'NOT_PERMITTED_HERE' }]);
    const [{ n }] = await h.server.services.db.query('SELECT count(*)::int AS n FROM contract_signature WHERE contract_id = $1', [uuid(proposed.id)]);
    expect(n).toBe(0);
  });
});

describe('the contract job and the day it runs on', () => {
  test('given a fully signed one-day contract starting tomorrow, when the job runs at 00:30 China Standard Time that day (still the day before in UTC), then it is activated, not expired, and the step is recorded', async () => {
    const day = dayOffset(1);
    const signed = await activeContract(h, { startsOn: day, endsOn: day });
    expect(signed.status).toBe('PROPOSED');
    clock.freeze(new Date(`${day}T00:30:00+08:00`));
    await h.server.scheduler.runAll();
    clock.reset();
    expect((await read(signed.id)).status).toBe('ACTIVE');
    const [audit] = await h.server.services.db.query(`SELECT details FROM audit_entry WHERE record_id = $1 AND action = 'contractActivate'`, [uuid(signed.id)]);
    expect(audit.details).toEqual({ from: 'PROPOSED', to: 'ACTIVE', on: day, by: 'scheduler' });
    const events = await h.server.services.db.query(`SELECT payload FROM event WHERE type = 'contract.activated' AND subject_id = $1`, [uuid(signed.id)]);
    expect(events.map((e: { payload: unknown }) => e.payload)).toEqual([{ contractId: uuid(signed.id), status: 'ACTIVE', from: 'PROPOSED' }]);
  });

  test('given a contract the job found due, when it is terminated before the job gets its row lock, then the job leaves it TERMINATED and goes on to the contract due after it', async () => {
    const day = dayOffset(3);
    const signed = await activeContract(h, { startsOn: day, endsOn: dayOffset(30) });
    // Due the same day and taken after it (the job goes by end date): a step that failed on the raced contract would leave this one.
    const next = await activeContract(h, { startsOn: day, endsOn: dayOffset(31) });
    const holder = await h.server.services.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query('SELECT id FROM contract WHERE id = $1 FOR UPDATE', [uuid(signed.id)]);
    const [{ pid }] = await holder.query('SELECT pg_backend_pid() AS pid');
    clock.freeze(noonOn(day));
    const job = h.server.scheduler.runAll();
    // Until the job waits on this row lock (not any lock: another test's leftovers must not end the wait early).
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const [{ waiting }] = await h.server.services.db.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid]);
      if (waiting > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await holder.query(`UPDATE contract SET status = 'TERMINATED', version = version + 1 WHERE id = $1`, [uuid(signed.id)]);
    await holder.commitTransaction();
    await holder.release();
    await job;
    clock.reset();
    expect((await read(signed.id)).status).toBe('TERMINATED');
    const [{ n }] = await h.server.services.db.query(`SELECT count(*)::int AS n FROM event WHERE type IN ('contract.activated', 'contract.expired') AND subject_id = $1`, [uuid(signed.id)]);
    expect(n).toBe(0);
    expect((await read(next.id)).status).toBe('ACTIVE');
  });
});

describe('inputs every contract step checks', () => {
  test('given an ACTIVE contract, when suspending, amending or declining with only blanks for the reason or note, or signing without an id, then REQUIRED and nothing changes', async () => {
    const active = await activeContract(h);
    const suspend = await gql(h.server.httpUrl, SUSPEND, { input: { id: active.id, expectedVersion: active.version, reason: '   ' } }, h.world.tokens.communityAdmin);
    expect(suspend.body.data.contractSuspend.userErrors).toEqual([{ code: 'REQUIRED' }]);
    const amend = await gql(h.server.httpUrl, AMEND, { input: { id: active.id, expectedVersion: active.version, note: '  ', feeMinor: 1 } }, h.world.tokens.communityAdmin);
    expect(amend.body.data.contractAmend.userErrors).toEqual([{ field: ['input', 'note'], code: 'REQUIRED' }]);
    const decline = await gql(h.server.httpUrl, `mutation ($input: ContractDeclineInput!) { contractDecline(input: $input) { userErrors { field code } } }`, { input: { id: active.id, expectedVersion: active.version, reason: ' ' } }, h.world.tokens.communityAdmin);
    expect(decline.body.data.contractDecline.userErrors).toEqual([{ field: ['input', 'reason'], code: 'REQUIRED' }]);
    const noId: [string, string, Record<string, unknown>][] = [
      ['contractSign', SIGN, {}],
      ['contractResume', RESUME, {}],
      ['contractAmend', AMEND, { note: '加價', feeMinor: 1 }],
      ['contractDecline', `mutation ($input: ContractDeclineInput!) { contractDecline(input: $input) { userErrors { field code } } }`, { reason: '不同意' }],
    ];
    for (const [mutation, doc, rest] of noId) {
      const res = await gql(h.server.httpUrl, doc, { input: { id: '', expectedVersion: active.version, ...rest } }, h.world.tokens.communityAdmin);
      expect(res.body.data[mutation].userErrors).toEqual(mutation === 'contractResume' ? [{ code: 'REQUIRED' }] : [{ field: ['input', 'id'], code: 'REQUIRED' }]);
    }
    expect(await read(active.id)).toMatchObject({ status: 'ACTIVE', version: active.version, pendingAmendment: null });
  });

  test('given an ACTIVE contract, when a party MEMBER (not ADMIN) amends it, then FORBIDDEN', async () => {
    const active = await activeContract(h);
    const res = await gql(h.server.httpUrl, AMEND, { input: { id: active.id, expectedVersion: active.version, note: '加價', feeMinor: 1 } }, h.world.tokens.communityMember);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect((await read(active.id)).pendingAmendment).toBeNull();
  });

  test('given a proposal, when the last party signs it in force, then the activation is recorded with its day and announced with the version', async () => {
    const signed = await activeContract(h);
    const [audit] = await h.server.services.db.query(`SELECT details FROM audit_entry WHERE record_id = $1 AND action = 'contractActivate'`, [uuid(signed.id)]);
    expect(audit.details).toEqual({ on: dayOffset(0) });
    const [event] = await h.server.services.db.query(`SELECT payload FROM event WHERE type = 'contract.activated' AND subject_id = $1`, [uuid(signed.id)]);
    expect(event.payload).toEqual({ contractId: uuid(signed.id), status: 'ACTIVE', versionNumber: 1 });
  });
});

describe('contractDecline', () => {
  const DECLINE = `mutation ($input: ContractDeclineInput!) { contractDecline(input: $input) { contract { status statusReason } userErrors { field code } } }`;

  test('given a proposal, when each role declines it, then signed-out is UNAUTHENTICATED, an outsider NOT_FOUND, a party member FORBIDDEN, and the provider ADMIN ends it', async () => {
    const drafted = await draftContract(h, { title: 'to decline' });
    const draftDecline = await gql(h.server.httpUrl, DECLINE, { input: { id: drafted.id, expectedVersion: drafted.version, reason: 'no' } }, h.world.tokens.securityAdmin);
    expect(draftDecline.body.data.contractDecline.userErrors).toEqual([{ field: ['input', 'id'], code: 'NOT_FOUND' }]);
    const proposed = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    const input = { id: proposed.id, expectedVersion: proposed.version, reason: '條款未經協商' };
    expect(errorCodes(await gql(h.server.httpUrl, DECLINE, { input }, null))).toEqual(['UNAUTHENTICATED']);
    expect((await gql(h.server.httpUrl, DECLINE, { input }, h.world.tokens.outsider)).body.data.contractDecline.userErrors).toEqual([{ field: ['input', 'id'], code: 'NOT_FOUND' }]);
    expect(errorCodes(await gql(h.server.httpUrl, DECLINE, { input }, h.world.tokens.communityMember))).toEqual(['FORBIDDEN']);
    const declined = await gql(h.server.httpUrl, DECLINE, { input }, h.world.tokens.securityAdmin);
    expect(declined.body.data.contractDecline).toEqual({ contract: { status: 'TERMINATED', statusReason: 'Declined by a party: 條款未經協商' }, userErrors: [] });
    expect(await auditActions(drafted.id)).toEqual(['contractDraft', 'contractPropose', 'contractDecline']);
    const [audit] = await h.server.services.db.query(`SELECT details FROM audit_entry WHERE record_id = $1 AND action = 'contractDecline'`, [uuid(drafted.id)]);
    expect(audit.details).toEqual({ organizationId: uuid(h.world.gid.org('security')), reason: '條款未經協商' });
    const [event] = await h.server.services.db.query(`SELECT payload FROM event WHERE type = 'contract.declined' AND subject_id = $1`, [uuid(drafted.id)]);
    expect(event.payload.organizationId).toBe(uuid(h.world.gid.org('security')));
  });

  test('given an ADMIN of two parties, when declining, then REQUIRED without a party, NOT_PERMITTED_HERE naming a non-party, FORBIDDEN naming a party they are not ADMIN of; naming one of theirs ends it with the reason kept whole', async () => {
    const both = await addMember(h, 'Decliner', uuid(h.world.gid.org('community')), MemberRole.ADMIN);
    await h.server.services.db.getRepository(Membership).insert({ userId: both.id, organizationId: uuid(h.world.gid.org('security')), role: 'ADMIN' as never });
    const drafted = await draftContract(h, { title: 'to decline, several' });
    const proposed = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.communityAdmin)).body.data.contractPropose.contract;
    const decline = (organizationId: string | undefined, reason = '條款未經協商') =>
      gql(h.server.httpUrl, DECLINE, { input: { id: proposed.id, expectedVersion: proposed.version, reason, ...(organizationId ? { organizationId } : {}) } }, both.token);
    expect((await decline(undefined)).body.data.contractDecline.userErrors).toEqual([{ field: ['input', 'organizationId'], code: 'REQUIRED' }]);
    expect((await decline(h.world.gid.org('outsider'))).body.data.contractDecline.userErrors).toEqual([{ field: ['input', 'organizationId'], code: 'NOT_PERMITTED_HERE' }]);
    expect(errorCodes(await decline(h.world.gid.org('police')))).toEqual(['FORBIDDEN']);
    const longest = '理'.repeat(2000);
    const declined = (await decline(h.world.gid.org('security'), longest)).body.data.contractDecline;
    expect(declined.userErrors).toEqual([]);
    expect(declined.contract.status).toBe('TERMINATED');
    expect(declined.contract.statusReason).toBe(`Declined by a party: ${longest}`.slice(0, 2000));
    const [event] = await h.server.services.db.query(`SELECT payload FROM event WHERE type = 'contract.declined' AND subject_id = $1`, [uuid(proposed.id)]);
    expect(event.payload).toEqual({ contractId: uuid(proposed.id), status: 'TERMINATED', from: 'PROPOSED', organizationId: uuid(h.world.gid.org('security')), reason: longest });
  });
});

describe('the client-provider relation a contract carries', () => {
  const RELATIONSHIP_END = `mutation ($input: RelationshipEndInput!) { relationshipEnd(input: $input) { relationship { endsOn } userErrors { code } } }`;
  /** The relations whose creation or refresh was recorded for the contract, as [from, to] organisation ids. */
  const carriedBy = async (contractId: string) =>
    (
      await h.server.services.db.query(
        `SELECT r.from_organization_id AS "from", r.to_organization_id AS "to" FROM audit_entry a JOIN relationship r ON r.id::text = a.record_id
          WHERE a.record_type = 'Relationship' AND a.details->>'contractId' = $1 ORDER BY a.id`,
        [uuid(contractId)],
      )
    ).map((r: { from: string; to: string }) => [r.from, r.to]);

  test('given an ACTIVE contract whose client-provider relation was ended by hand, when an amendment is signed, then only the signature that puts it in force carries the relation on again', async () => {
    const [community, security] = [uuid(h.world.gid.org('community')), uuid(h.world.gid.org('security'))];
    const endsOn = dayOffset(await beyondEveryRelation());
    const active = await activeContract(h, { endsOn });
    const open: { id: string; ends: string }[] = await h.server.services.db.query(
      `SELECT id, greatest(starts_on, $3::date)::text AS ends FROM relationship
        WHERE from_organization_id = $1 AND to_organization_id = $2 AND type = 'CONTRACTS_WITH' AND status = 'ACCEPTED' AND (ends_on IS NULL OR ends_on >= $3)`,
      [community, security, dayOffset(0)],
    );
    expect(open.length).toBeGreaterThan(0);
    for (const { id, ends } of open) {
      const ended = await gql(h.server.httpUrl, RELATIONSHIP_END, { input: { id: toGlobalId('Relationship', id), endsOn: ends } }, h.world.tokens.communityAdmin);
      expect(ended.body.data.relationshipEnd.userErrors).toEqual([]);
    }
    const endsOf = async () => (await h.server.services.db.query(`SELECT ends_on::text AS ends FROM relationship WHERE id = ANY($1) ORDER BY id`, [open.map((r) => r.id)])).map((r: { ends: string }) => r.ends);
    const endedOn = await endsOf();
    const before = (await carriedBy(active.id)).length;

    let contract = (await gql(h.server.httpUrl, AMEND, { input: { id: active.id, expectedVersion: active.version, note: '調整費用', feeMinor: 1_300_000 } }, h.world.tokens.securityAdmin)).body.data.contractAmend.contract;
    for (const token of [h.world.tokens.communityAdmin, h.world.tokens.securityAdmin]) {
      contract = (await gql(h.server.httpUrl, SIGN, { input: { id: active.id, expectedVersion: contract.version } }, token)).body.data.contractSign.contract;
    }
    expect(contract).toMatchObject({ status: 'ACTIVE', pendingAmendment: { number: 2 } });
    expect(await endsOf()).toEqual(endedOn);
    expect(await carriedBy(active.id)).toHaveLength(before);

    contract = (await gql(h.server.httpUrl, SIGN, { input: { id: active.id, expectedVersion: contract.version } }, h.world.tokens.policeAdmin)).body.data.contractSign.contract;
    expect(contract).toMatchObject({ status: 'ACTIVE', pendingAmendment: null, currentVersionNumber: 2 });
    expect(await carriedBy(active.id)).toEqual([...Array(before + 1)].map(() => [community, security]));
    expect((await endsOf())[0]).toBe(endsOn);
  });

  test('given a contract whose two parties no other contract joins, when the job expires it, then its relation ends with it: none is made or carried on, and its version is not withdrawn', async () => {
    const [outsider, security] = [uuid(h.world.gid.org('outsider')), uuid(h.world.gid.org('security'))];
    const drafted = await draftContract(
      h,
      {
        title: '便河社區短期安防服務',
        parties: [
          { organizationId: h.world.gid.org('outsider'), role: 'CLIENT' },
          { organizationId: h.world.gid.org('security'), role: 'PROVIDER' },
        ],
        areaIds: [h.world.gid.area('communityB')],
        clauses: [],
        endsOn: dayOffset(2),
      },
      h.world.tokens.outsider,
    );
    let contract = (await gql(h.server.httpUrl, PROPOSE, { input: { id: drafted.id, expectedVersion: drafted.version } }, h.world.tokens.outsider)).body.data.contractPropose.contract;
    for (const token of [h.world.tokens.outsider, h.world.tokens.securityAdmin]) {
      contract = (await gql(h.server.httpUrl, SIGN, { input: { id: contract.id, expectedVersion: contract.version } }, token)).body.data.contractSign.contract;
    }
    expect(contract.status).toBe('ACTIVE');
    expect(await carriedBy(contract.id)).toEqual([[outsider, security]]);
    clock.freeze(noonOn(dayOffset(3)));
    await h.server.scheduler.runAll();
    clock.reset();
    expect((await read(contract.id, h.world.tokens.outsider)).status).toBe('EXPIRED');
    expect(await carriedBy(contract.id)).toEqual([[outsider, security]]);
    const [version] = await h.server.services.db.query(`SELECT number, withdrawn_at FROM contract_version WHERE contract_id = $1`, [uuid(contract.id)]);
    expect(version).toEqual({ number: 1, withdrawn_at: null });
  });

  test('given a draft between other parties on record, when one contract is put in force by its last signature and another by the job, then each carries only its own parties\' relation', async () => {
    const [community, security] = [uuid(h.world.gid.org('community')), uuid(h.world.gid.org('security'))];
    await draftContract(
      h,
      {
        title: '便河社區安防服務契約',
        parties: [
          { organizationId: h.world.gid.org('outsider'), role: 'CLIENT' },
          { organizationId: h.world.gid.org('police'), role: 'PROVIDER' },
        ],
        areaIds: [h.world.gid.area('communityB')],
        clauses: [],
      },
      h.world.tokens.outsider,
    );
    const signed = await activeContract(h, { endsOn: dayOffset(await beyondEveryRelation()) });
    expect(signed.status).toBe('ACTIVE');
    expect(await carriedBy(signed.id)).toEqual([[community, security]]);

    const later = await activeContract(h, { startsOn: dayOffset(4), endsOn: dayOffset(await beyondEveryRelation()) });
    expect(later.status).toBe('PROPOSED');
    clock.freeze(noonOn(dayOffset(4)));
    await h.server.scheduler.runAll();
    clock.reset();
    expect((await read(later.id)).status).toBe('ACTIVE');
    expect(await carriedBy(later.id)).toEqual([[community, security]]);
  });
});
