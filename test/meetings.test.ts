import { errorCodes } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { toGlobalId } from '../src/shared/relay/global-id';
import { addItem, call, scheduleMeeting, SCHEDULE } from './support/meetings';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const MEETING = `query ($id: ID!) { meeting(id: $id) { id title status version participants { totalCount nodes { organization { name } isConvener rsvp attended } } agendaItems { nodes { id title status position version } } } }`;

describe('scheduling', () => {
  test('given a monthly recurrence of 3, when the police station schedules, then one meeting per occurrence is created a month apart at the same time', async () => {
    const res = await call(h, 'policeAdmin', SCHEDULE, {
      input: {
        convenerOrganizationId: h.world.gid.org('police'),
        title: '月度治安聯席會議',
        areaId: h.world.gid.area('streetA'),
        startsAt: '2027-01-31T06:30:00.000Z',
        endsAt: '2027-01-31T08:00:00.000Z',
        participantOrganizationIds: [h.world.gid.org('community')],
        recurrence: { frequency: 'MONTHLY', occurrences: 3 },
      },
    });
    const payload = res.body.data.meetingSchedule;
    expect(payload.userErrors).toEqual([]);
    expect(payload.series.frequency).toBe('MONTHLY');
    expect(payload.series.meetings.totalCount).toBe(3);
    expect(payload.series.meetings.nodes.map((m: { occurrence: number; startsAt: string; endsAt: string; status: string }) => [m.occurrence, m.startsAt, m.endsAt, m.status])).toEqual([
      [1, '2027-01-31T06:30:00.000Z', '2027-01-31T08:00:00.000Z', 'SCHEDULED'],
      [2, '2027-02-28T06:30:00.000Z', '2027-02-28T08:00:00.000Z', 'SCHEDULED'],
      [3, '2027-03-31T06:30:00.000Z', '2027-03-31T08:00:00.000Z', 'SCHEDULED'],
    ]);
    expect(payload.meeting.id).toBe(payload.series.meetings.nodes[0].id);
  });

  test('given a weekly recurrence of 4, when scheduled, then four meetings seven days apart exist', async () => {
    const payload = await scheduleMeeting(h, { recurrence: { frequency: 'WEEKLY', occurrences: 4 } });
    const starts = payload.series.meetings.nodes.map((m: { startsAt: string }) => Date.parse(m.startsAt));
    expect(starts).toHaveLength(4);
    expect(starts.slice(1).map((s: number, i: number) => s - starts[i])).toEqual([7, 7, 7].map((d) => d * 86_400_000));
  });

  test('given an end before the start and an unknown participant, when scheduling, then userErrors list both and nothing is created', async () => {
    const before = await h.server.services.db.query('SELECT count(*)::int AS n FROM meeting');
    const res = await call(h, 'policeAdmin', SCHEDULE, {
      input: {
        convenerOrganizationId: h.world.gid.org('police'),
        title: 'x',
        areaId: h.world.gid.area('streetA'),
        startsAt: '2026-12-10T08:00:00.000Z',
        endsAt: '2026-12-10T07:00:00.000Z',
        participantOrganizationIds: ['not-an-id'],
      },
    });
    expect(res.body.data.meetingSchedule.userErrors.map((e: { code: string }) => e.code).sort()).toEqual(['DATE_ORDER', 'NOT_FOUND']);
    const after = await h.server.services.db.query('SELECT count(*)::int AS n FROM meeting');
    expect(after[0].n).toBe(before[0].n);
  });

  test('given a member of another organisation, when scheduling for the police station, then FORBIDDEN', async () => {
    const res = await call(h, 'communityAdmin', SCHEDULE, {
      input: { convenerOrganizationId: h.world.gid.org('police'), title: 'x', areaId: h.world.gid.area('streetA'), startsAt: '2026-12-10T06:00:00Z', endsAt: '2026-12-10T07:00:00Z', participantOrganizationIds: [] },
    });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
  });
});

describe('visibility', () => {
  test('given a meeting of police, community and security, when an outsider asks for it, then null; a participant sees it', async () => {
    const { meeting } = await scheduleMeeting(h);
    const outsider = await call(h, 'outsider', MEETING, { id: meeting.id });
    expect(outsider.body.data.meeting).toBeNull();
    expect(errorCodes(outsider)).toEqual([]);
    const unknown = await call(h, 'outsider', MEETING, { id: toGlobalId('Meeting', '00000000-0000-4000-8000-000000000000') });
    expect(unknown.body).toEqual(outsider.body);
    const participant = await call(h, 'securityAdmin', MEETING, { id: meeting.id });
    expect(participant.body.data.meeting.participants.totalCount).toBe(3);
    expect(participant.body.data.meeting.participants.nodes[0]).toMatchObject({ isConvener: true, organization: { name: '中山路派出所' } });
  });

  test('given a signed-out viewer, when listing meetings or scheduling, then UNAUTHENTICATED', async () => {
    const list = await call(h, null, `{ meetings { totalCount } }`);
    expect(errorCodes(list)).toEqual(['UNAUTHENTICATED']);
    const schedule = await call(h, null, SCHEDULE, { input: { convenerOrganizationId: h.world.gid.org('police'), title: 'x', areaId: h.world.gid.area('streetA'), startsAt: '2026-12-10T06:00:00Z', endsAt: '2026-12-10T07:00:00Z', participantOrganizationIds: [] } });
    expect(errorCodes(schedule)).toEqual(['UNAUTHENTICATED']);
  });

  test('given meetings in street A, when filtering by organisation, area subtree, status and dates, then only matching visible meetings are listed', async () => {
    const { meeting } = await scheduleMeeting(h, { startsAt: '2028-05-01T06:00:00Z', endsAt: '2028-05-01T07:00:00Z' });
    const LIST = `query ($org: ID, $area: ID, $from: DateTimeISO, $before: DateTimeISO, $statuses: [MeetingStatus!]) {
      meetings(organizationId: $org, withinAreaId: $area, startsFrom: $from, startsBefore: $before, statuses: $statuses) { totalCount nodes { id } } }`;
    const window = { from: '2028-05-01T00:00:00Z', before: '2028-05-02T00:00:00Z' };
    const bySecurity = await call(h, 'securityAdmin', LIST, { ...window, org: h.world.gid.org('security'), area: h.world.gid.area('district'), statuses: ['SCHEDULED'] });
    expect(bySecurity.body.data.meetings.nodes).toEqual([{ id: meeting.id }]);
    const otherArea = await call(h, 'securityAdmin', LIST, { ...window, area: h.world.gid.area('streetB') });
    expect(otherArea.body.data.meetings.totalCount).toBe(0);
    const cancelledOnly = await call(h, 'securityAdmin', LIST, { ...window, statuses: ['CANCELLED'] });
    expect(cancelledOnly.body.data.meetings.totalCount).toBe(0);
    const outsider = await call(h, 'outsider', LIST, window);
    expect(outsider.body.data.meetings.totalCount).toBe(0);
  });
});

describe('meeting lifecycle and RSVP', () => {
  const CONCLUDE = `mutation ($input: MeetingConcludeInput!) { meetingConclude(input: $input) { meeting { status } userErrors { field code } } }`;

  test('given a cancelled meeting, when the convener concludes it, then INVALID_TRANSITION and it stays cancelled', async () => {
    const { meeting } = await scheduleMeeting(h);
    const cancel = await call(h, 'policeAdmin', `mutation ($input: MeetingCancelInput!) { meetingCancel(input: $input) { meeting { status version cancelReason } userErrors { code } } }`, { input: { id: meeting.id, reason: '颱風預警' } });
    expect(cancel.body.data.meetingCancel.meeting).toEqual({ status: 'CANCELLED', version: 2, cancelReason: '颱風預警' });
    const res = await call(h, 'policeAdmin', CONCLUDE, { input: { id: meeting.id, attendedOrganizationIds: [h.world.gid.org('police')] } });
    expect(res.body.data.meetingConclude).toEqual({ meeting: null, userErrors: [{ field: ['input', 'id'], code: 'INVALID_TRANSITION' }] });
    const after = await call(h, 'policeAdmin', MEETING, { id: meeting.id });
    expect(after.body.data.meeting).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect(after.body.data.meeting.participants.nodes.every((p: { attended: boolean | null }) => p.attended === null)).toBe(true);
  });

  test('given an organisation not invited, when its member RSVPs, then NOT_FOUND and nothing is recorded', async () => {
    const { meeting } = await scheduleMeeting(h);
    const RSVP = `mutation ($input: MeetingRsvpInput!) { meetingRsvp(input: $input) { meeting { id } userErrors { field code } } }`;
    const res = await call(h, 'outsider', RSVP, { input: { meetingId: meeting.id, organizationId: h.world.gid.org('outsider'), response: 'ATTENDING' } });
    expect(res.body.data.meetingRsvp).toEqual({ meeting: null, userErrors: [{ field: ['input', 'meetingId'], code: 'NOT_FOUND' }] });
    const ok = await call(h, 'securityAdmin', RSVP, { input: { meetingId: meeting.id, organizationId: h.world.gid.org('security'), response: 'ATTENDING', representativeUserId: h.world.gid.user('securityAdmin') } });
    expect(ok.body.data.meetingRsvp.userErrors).toEqual([]);
    const rows = await h.server.services.db.query('SELECT organization_id, rsvp FROM meeting_participant WHERE meeting_id = (SELECT id FROM meeting WHERE id::text = $1) AND rsvp IS NOT NULL', [
      Buffer.from(meeting.id, 'base64url').toString().split(':')[1],
    ]);
    expect(rows).toEqual([{ organization_id: h.world.orgs.security.id, rsvp: 'ATTENDING' }]);
  });

  test('given a started meeting, when concluded with attendance, then attendance is recorded per participant', async () => {
    const { meeting } = await scheduleMeeting(h);
    await call(h, 'policeAdmin', `mutation ($input: MeetingStartInput!) { meetingStart(input: $input) { userErrors { code } } }`, { input: { id: meeting.id } });
    const res = await call(h, 'policeLiaison', CONCLUDE, { input: { id: meeting.id, attendedOrganizationIds: [h.world.gid.org('police'), h.world.gid.org('community')] } });
    expect(res.body.data.meetingConclude).toEqual({ meeting: { status: 'CONCLUDED' }, userErrors: [] });
    const after = await call(h, 'communityMember', MEETING, { id: meeting.id });
    expect(after.body.data.meeting.participants.nodes.map((p: { organization: { name: string }; attended: boolean }) => [p.organization.name, p.attended])).toEqual([
      ['中山路派出所', true],
      ['三板橋社區居委會', true],
      ['沙市保安服務公司', false],
    ]);
  });
});

describe('agenda', () => {
  const UPDATE = `mutation ($input: AgendaItemUpdateInput!) { agendaItemUpdate(input: $input) { agendaItem { title version } userErrors { field code } } }`;

  test('given a proposed item, when a non-convener participant accepts it, then FORBIDDEN and it stays PROPOSED', async () => {
    const { meeting } = await scheduleMeeting(h);
    const item = await addItem(h, 'communityAdmin', meeting.id, '老舊小區門禁改造');
    expect(item.status).toBe('PROPOSED');
    const ACCEPT = `mutation ($input: AgendaItemAcceptInput!) { agendaItemAccept(input: $input) { agendaItem { status } userErrors { code } } }`;
    const res = await call(h, 'communityAdmin', ACCEPT, { input: { id: item.id } });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    const after = await call(h, 'policeAdmin', MEETING, { id: meeting.id });
    expect(after.body.data.meeting.agendaItems.nodes[0]).toMatchObject({ id: item.id, status: 'PROPOSED', version: 1 });
    const byConvener = await call(h, 'policeLiaison', ACCEPT, { input: { id: item.id } });
    expect(byConvener.body.data.agendaItemAccept).toEqual({ agendaItem: { status: 'ACCEPTED' }, userErrors: [] });
  });

  test('given two writers holding the same version, when both update in parallel, then exactly one wins, the other gets CONFLICT, and the row holds the winner', async () => {
    const { meeting } = await scheduleMeeting(h);
    const item = await addItem(h, 'communityAdmin', meeting.id, '電動車充電安全');
    const [a, b] = await Promise.all([
      call(h, 'communityAdmin', UPDATE, { input: { id: item.id, expectedVersion: 1, title: '版本A' } }),
      call(h, 'policeAdmin', UPDATE, { input: { id: item.id, expectedVersion: 1, title: '版本B' } }),
    ]);
    const results = [a.body.data.agendaItemUpdate, b.body.data.agendaItemUpdate];
    const winners = results.filter((r) => r.userErrors.length === 0);
    const losers = results.filter((r) => r.userErrors.length > 0);
    expect(winners).toHaveLength(1);
    expect(losers).toEqual([{ agendaItem: null, userErrors: [{ field: ['input', 'expectedVersion'], code: 'CONFLICT' }] }]);
    const [row] = await h.server.services.db.query('SELECT title, version FROM agenda_item WHERE id = $1', [Buffer.from(item.id, 'base64url').toString().split(':')[1]]);
    expect(row).toEqual({ title: winners[0].agendaItem.title, version: 2 });
  });

  test('given three items, when the convener moves the last to the top, then positions close up in the new order', async () => {
    const { meeting } = await scheduleMeeting(h);
    const first = await addItem(h, 'policeAdmin', meeting.id, '一');
    const second = await addItem(h, 'communityAdmin', meeting.id, '二');
    const third = await addItem(h, 'securityAdmin', meeting.id, '三');
    const res = await call(h, 'policeAdmin', `mutation ($input: AgendaItemMoveInput!) { agendaItemMove(input: $input) { agendaItem { position meeting { agendaItems { nodes { title position } } } } userErrors { code } } }`, {
      input: { id: third.id, position: 1 },
    });
    expect(res.body.data.agendaItemMove.agendaItem.meeting.agendaItems.nodes).toEqual([
      { title: '三', position: 1 },
      { title: '一', position: 2 },
      { title: '二', position: 3 },
    ]);
    expect([first.status, second.status]).toEqual(['ACCEPTED', 'PROPOSED']);
  });

  test('given a linked record id that is not a case, consultation or contract, when adding an item, then INVALID', async () => {
    const { meeting } = await scheduleMeeting(h);
    const res = await call(h, 'communityAdmin', `mutation ($input: AgendaItemAddInput!) { agendaItemAdd(input: $input) { agendaItem { id } userErrors { field code } } }`, {
      input: { meetingId: meeting.id, title: '議題', linkedRecordId: h.world.gid.org('police') },
    });
    expect(res.body.data.agendaItemAdd).toEqual({ agendaItem: null, userErrors: [{ field: ['input', 'linkedRecordId'], code: 'INVALID' }] });
  });

  test('given an outsider, when adding an agenda item to a meeting they cannot see, then NOT_FOUND like an unknown id', async () => {
    const { meeting } = await scheduleMeeting(h);
    const ADD = `mutation ($input: AgendaItemAddInput!) { agendaItemAdd(input: $input) { agendaItem { id } userErrors { field code message } } }`;
    const res = await call(h, 'outsider', ADD, { input: { meetingId: meeting.id, title: '議題' } });
    const unknown = await call(h, 'outsider', ADD, { input: { meetingId: toGlobalId('Meeting', '00000000-0000-4000-8000-000000000000'), title: '議題' } });
    expect(res.body.data.agendaItemAdd.userErrors).toEqual([{ field: ['input', 'meetingId'], code: 'NOT_FOUND', message: 'No Meeting with this id.' }]);
    expect(unknown.body).toEqual(res.body);
  });
});

describe('action items', () => {
  const CREATE = `mutation ($input: ActionItemCreateInput!) { actionItemCreate(input: $input) { actionItem { id status dueOn overdue responsibleOrganization { name } leader { displayName } } userErrors { field code } } }`;

  async function discussedItem() {
    const { meeting } = await scheduleMeeting(h);
    const item = await addItem(h, 'policeAdmin', meeting.id, '樓道違章搭建排查');
    await call(h, 'policeAdmin', `mutation ($input: MeetingStartInput!) { meetingStart(input: $input) { userErrors { code } } }`, { input: { id: meeting.id } });
    const outcome = await call(h, 'policeAdmin', `mutation ($input: AgendaItemRecordOutcomeInput!) { agendaItemRecordOutcome(input: $input) { agendaItem { status decision } userErrors { code } } }`, {
      input: { id: item.id, status: 'DISCUSSED', minutes: '發現12處', decision: '分批督促整改' },
    });
    expect(outcome.body.data.agendaItemRecordOutcome).toEqual({ agendaItem: { status: 'DISCUSSED', decision: '分批督促整改' }, userErrors: [] });
    return { meeting, item };
  }

  test('given a leader who is not a member of the responsible organisation, when creating an action item, then NOT_PERMITTED_HERE', async () => {
    const { item } = await discussedItem();
    const res = await call(h, 'policeAdmin', CREATE, {
      input: { agendaItemId: item.id, title: '整改', responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: h.world.gid.user('policeAdmin'), handlerUserId: h.world.gid.user('communityMember'), dueOn: '2026-12-31' },
    });
    expect(res.body.data.actionItemCreate).toEqual({ actionItem: null, userErrors: [{ field: ['input', 'leaderUserId'], code: 'NOT_PERMITTED_HERE' }] });
  });

  test('given an action item for an organisation outside the meeting, then that organisation sees the item but not the meeting, and others outside see nothing', async () => {
    const { item } = await discussedItem();
    const created = await call(h, 'policeAdmin', CREATE, {
      input: { agendaItemId: item.id, title: '便河社區協查', responsibleOrganizationId: h.world.gid.org('outsider'), leaderUserId: h.world.gid.user('outsider'), handlerUserId: h.world.gid.user('outsider'), dueOn: '2026-12-31' },
    });
    expect(created.body.data.actionItemCreate.userErrors).toEqual([]);
    const LIST = `query ($org: ID) { actionItems(responsibleOrganizationId: $org) { totalCount nodes { id title meeting { id } agendaItem { id } } } }`;
    const responsible = await call(h, 'outsider', LIST, { org: h.world.gid.org('outsider') });
    expect(responsible.body.data.actionItems.nodes).toEqual([{ id: created.body.data.actionItemCreate.actionItem.id, title: '便河社區協查', meeting: null, agendaItem: null }]);
    const resident = await call(h, 'resident', LIST, { org: h.world.gid.org('outsider') });
    expect(resident.body.data.actionItems.totalCount).toBe(0);
  });

  test('given an open action item, when the responsible organisation completes it twice, then DONE and then ALREADY_DONE', async () => {
    const { item } = await discussedItem();
    const created = await call(h, 'policeAdmin', CREATE, {
      input: { agendaItemId: item.id, title: '補發報酬', responsibleOrganizationId: h.world.gid.org('community'), leaderUserId: h.world.gid.user('communityAdmin'), handlerUserId: h.world.gid.user('communityMember'), dueOn: '2026-12-31' },
    });
    const id = created.body.data.actionItemCreate.actionItem.id;
    const COMPLETE = `mutation ($input: ActionItemCompleteInput!) { actionItemComplete(input: $input) { actionItem { status completedAt completionNote } userErrors { code } } }`;
    const done = await call(h, 'communityMember', COMPLETE, { input: { id, note: '已公示' } });
    expect(done.body.data.actionItemComplete.actionItem).toMatchObject({ status: 'DONE', completionNote: '已公示' });
    const again = await call(h, 'communityMember', COMPLETE, { input: { id } });
    expect(again.body.data.actionItemComplete.userErrors).toEqual([{ code: 'ALREADY_DONE' }]);
    const observer = await call(h, 'communityObserver', COMPLETE, { input: { id } });
    expect(errorCodes(observer)).toEqual(['FORBIDDEN']);
  });
});
