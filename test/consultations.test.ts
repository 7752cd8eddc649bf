import { fromGlobalId } from '../src/shared/relay/global-id';
import { clock } from '../src/shared/clock';
import { errorCodes, gql, subscribe, wsClient } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { dayOffset, draftContract, noonOn } from './support/contracts';
import { subscribeListening } from './support/listening';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => clock.reset());
afterAll(async () => {
  clock.reset();
  await stopHarness(h);
});

const FIELDS = `id status version question outcome acceptingPositions convener { id } invitedOrganizations { id }
  positionSummary { support oppose amend abstain invited answered notAnswered { id } }
  positions { totalCount nodes { stance statement organization { id } } }
  proposals { totalCount nodes { text organization { id } } }
  linkedRecord { id __typename }`;
const OPEN = `mutation ($input: ConsultationOpenInput!) { consultationOpen(input: $input) { consultation { ${FIELDS} } userErrors { field code } } }`;
const POSITION = `mutation ($input: ConsultationPositionStateInput!) { consultationPositionState(input: $input) { position { stance statement } consultation { version } userErrors { field code } } }`;
const PROPOSAL = `mutation ($input: ConsultationProposalAddInput!) { consultationProposalAdd(input: $input) { proposal { text } userErrors { field code } } }`;
const CLOSE = `mutation ($input: ConsultationCloseInput!) { consultationClose(input: $input) { consultation { ${FIELDS} } userErrors { field code } } }`;
const READ = `query ($id: ID!) { consultation(id: $id) { ${FIELDS} } node(id: $id) { id } }`;
const LIST = `{ consultations(first: 100) { totalCount nodes { id } } }`;

async function open(overrides: Record<string, unknown> = {}) {
  const response = await gql(
    h.server.httpUrl,
    OPEN,
    {
      input: {
        organizationId: h.world.gid.org('community'),
        question: '是否將夜間巡邏延長至凌晨兩點？',
        background: '近期夜間盜竊案件增多。',
        invitedOrganizationIds: [h.world.gid.org('police'), h.world.gid.org('security')],
        closesOn: dayOffset(14),
        ...overrides,
      },
    },
    h.world.tokens.communityAdmin,
  );
  const payload = response.body.data.consultationOpen;
  if (payload.userErrors.length) throw new Error(JSON.stringify(payload.userErrors));
  return payload.consultation;
}

describe('consultations', () => {
  test('given a signed-out viewer, when listing consultations, then UNAUTHENTICATED', async () => {
    expect(errorCodes(await gql(h.server.httpUrl, LIST))).toEqual(['UNAUTHENTICATED']);
  });

  test('given an open consultation, then the convener and invitees see it and an outsider gets what an unknown id gets', async () => {
    const consultation = await open();
    const invitee = await gql(h.server.httpUrl, READ, { id: consultation.id }, h.world.tokens.securityAdmin);
    expect(invitee.body.data.consultation).toMatchObject({ status: 'OPEN', acceptingPositions: true, positionSummary: { invited: 2, answered: 0 } });
    const outsider = await gql(h.server.httpUrl, READ, { id: consultation.id }, h.world.tokens.outsider);
    expect(outsider.body.data).toEqual({ consultation: null, node: null });
    const outsiderList = await gql(h.server.httpUrl, LIST, {}, h.world.tokens.outsider);
    expect(outsiderList.body.data.consultations.totalCount).toBe(0);
    const position = await gql(h.server.httpUrl, POSITION, { input: { consultationId: consultation.id, stance: 'SUPPORT' } }, h.world.tokens.outsider);
    expect(position.body.data.consultationPositionState.userErrors).toEqual([{ field: ['input', 'consultationId'], code: 'NOT_FOUND' }]);
  });

  test('given invalid input, when opening, then userErrors and nothing is written', async () => {
    const response = await gql(
      h.server.httpUrl,
      OPEN,
      { input: { organizationId: h.world.gid.org('community'), question: ' ', invitedOrganizationIds: [], closesOn: dayOffset(-1) } },
      h.world.tokens.communityAdmin,
    );
    const codes = response.body.data.consultationOpen.userErrors.map((e: { code: string }) => e.code);
    expect(codes).toEqual(expect.arrayContaining(['REQUIRED', 'OUT_OF_RANGE']));
  });

  test('given positions stated, changed and proposals added, then the summary counts stances and lists who has not answered', async () => {
    const consultation = await open();
    const first = await gql(h.server.httpUrl, POSITION, { input: { consultationId: consultation.id, stance: 'OPPOSE', statement: '人手不足' } }, h.world.tokens.securityAdmin);
    expect(first.body.data.consultationPositionState.userErrors).toEqual([]);
    const changed = await gql(h.server.httpUrl, POSITION, { input: { consultationId: consultation.id, stance: 'AMEND', statement: '需增加經費' } }, h.world.tokens.securityAdmin);
    expect(changed.body.data.consultationPositionState.position).toEqual({ stance: 'AMEND', statement: '需增加經費' });
    const proposal = await gql(h.server.httpUrl, PROPOSAL, { input: { consultationId: consultation.id, text: '夜間巡邏延長至凌晨一點，費用每月增加二千元' } }, h.world.tokens.securityAdmin);
    expect(proposal.body.data.consultationProposalAdd.userErrors).toEqual([]);
    const read = (await gql(h.server.httpUrl, READ, { id: consultation.id }, h.world.tokens.communityMember)).body.data.consultation;
    expect(read.positionSummary).toEqual({ support: 0, oppose: 0, amend: 1, abstain: 0, invited: 2, answered: 1, notAnswered: [{ id: h.world.gid.org('police') }] });
    expect(read.positions.totalCount).toBe(1);
    expect(read.proposals.nodes).toEqual([{ text: '夜間巡邏延長至凌晨一點，費用每月增加二千元', organization: { id: h.world.gid.org('security') } }]);
  });

  test('given an OBSERVER of the convener, when stating a position, then FORBIDDEN', async () => {
    const consultation = await open();
    const response = await gql(h.server.httpUrl, POSITION, { input: { consultationId: consultation.id, stance: 'SUPPORT' } }, h.world.tokens.communityObserver);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });

  test('given a closing date passed, when stating a position, then INVALID_TRANSITION', async () => {
    const consultation = await open({ closesOn: dayOffset(1) });
    clock.freeze(noonOn(dayOffset(2)));
    const response = await gql(h.server.httpUrl, POSITION, { input: { consultationId: consultation.id, stance: 'SUPPORT' } }, h.world.tokens.policeAdmin);
    expect(response.body.data.consultationPositionState.userErrors).toEqual([{ field: ['input', 'consultationId'], code: 'INVALID_TRANSITION' }]);
  });

  test('given the convener closes with a stale version, then CONFLICT; with the current version and a contract link, it closes and links the contract', async () => {
    const consultation = await open();
    const stated = await gql(h.server.httpUrl, POSITION, { input: { consultationId: consultation.id, stance: 'SUPPORT' } }, h.world.tokens.policeAdmin);
    const stale = await gql(h.server.httpUrl, CLOSE, { input: { consultationId: consultation.id, expectedVersion: consultation.version, outcome: 'x' } }, h.world.tokens.communityAdmin);
    expect(stale.body.data.consultationClose.userErrors).toEqual([{ field: ['input', 'expectedVersion'], code: 'CONFLICT' }]);
    const contract = await draftContract(h, { title: '夜間巡邏延長補充契約' });
    const closed = await gql(
      h.server.httpUrl,
      CLOSE,
      { input: { consultationId: consultation.id, expectedVersion: stated.body.data.consultationPositionState.consultation.version, outcome: '同意延長夜間巡邏，起草補充契約。', linkedRecordId: contract.id } },
      h.world.tokens.communityAdmin,
    );
    expect(closed.body.data.consultationClose.userErrors).toEqual([]);
    expect(closed.body.data.consultationClose.consultation).toMatchObject({ status: 'CLOSED', acceptingPositions: false, linkedRecord: { id: contract.id, __typename: 'Contract' } });
    const late = await gql(h.server.httpUrl, POSITION, { input: { consultationId: consultation.id, stance: 'OPPOSE' } }, h.world.tokens.securityAdmin);
    expect(late.body.data.consultationPositionState.userErrors).toEqual([{ field: ['input', 'consultationId'], code: 'INVALID_TRANSITION' }]);
    const audit = await h.server.services.db.query(`SELECT action FROM audit_entry WHERE record_type = 'Consultation' AND record_id = $1 ORDER BY id`, [fromGlobalId(consultation.id)!.id]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['consultationOpen', 'consultationPositionState', 'consultationClose']);
  });

  test('given a link to a record of another type, when closing, then INVALID; to an invisible contract, NOT_FOUND', async () => {
    const consultation = await open();
    const wrongType = await gql(h.server.httpUrl, CLOSE, { input: { consultationId: consultation.id, outcome: 'x', linkedRecordId: h.world.gid.org('police') } }, h.world.tokens.communityAdmin);
    expect(wrongType.body.data.consultationClose.userErrors).toEqual([{ field: ['input', 'linkedRecordId'], code: 'INVALID' }]);
    const hidden = await draftContract(
      h,
      { parties: [{ organizationId: h.world.gid.org('outsider'), role: 'CLIENT' }, { organizationId: h.world.gid.org('security'), role: 'PROVIDER' }], clauses: [] },
      h.world.tokens.outsider,
    );
    const invisible = await gql(h.server.httpUrl, CLOSE, { input: { consultationId: consultation.id, outcome: 'x', linkedRecordId: hidden.id } }, h.world.tokens.communityAdmin);
    expect(invisible.body.data.consultationClose.userErrors).toEqual([{ field: ['input', 'linkedRecordId'], code: 'NOT_FOUND' }]);
  });

  test('given an invitee subscribed to a consultation, when a position is stated, then it arrives; an outsider gets the unknown-id error', async () => {
    const consultation = await open();
    const SUB = `subscription ($id: ID!, $after: String) { consultationUpdates(consultationId: $id, after: $after) { cursor type position { stance } consultation { id } } }`;
    const invitee = wsClient(h.server.wsUrl, h.world.tokens.policeLiaison);
    const outsider = wsClient(h.server.wsUrl, h.world.tokens.outsider);
    const outsiderSub = subscribe(outsider, SUB, { id: consultation.id });
    const unknownSub = subscribe(outsider, SUB, { id: Buffer.from('Consultation:00000000-0000-4000-8000-000000000000').toString('base64url') });
    const inviteeSub = await subscribeListening(h.server, invitee, SUB, { id: consultation.id });
    await gql(h.server.httpUrl, POSITION, { input: { consultationId: consultation.id, stance: 'ABSTAIN' } }, h.world.tokens.securityAdmin);
    const [update] = await inviteeSub.waitFor(1);
    expect(update.data!.consultationUpdates).toMatchObject({ type: 'consultation.positionStated', position: { stance: 'ABSTAIN' }, consultation: { id: consultation.id } });
    await Promise.all([outsiderSub.ended, unknownSub.ended]);
    expect(JSON.stringify(outsiderSub.received)).toContain('NOT_FOUND');
    expect(JSON.stringify(outsiderSub.received)).toEqual(JSON.stringify(unknownSub.received));
    await invitee.dispose();
    await outsider.dispose();
  });
});
