import { gql } from './graphql';
import type { Harness } from './harness';
import type { Role } from './world';

/** Shared set-up steps of the meeting tests (each test still asserts with its own document). */
export const SCHEDULE = `mutation ($input: MeetingScheduleInput!) {
  meetingSchedule(input: $input) {
    meeting { id version status occurrence startsAt endsAt }
    series { id frequency meetings(first: 30) { totalCount nodes { id occurrence startsAt endsAt status } } }
    userErrors { field code message }
  }
}`;
export const ADD_ITEM = `mutation ($input: AgendaItemAddInput!) { agendaItemAdd(input: $input) { agendaItem { id version status position title } userErrors { field code message } } }`;

export async function call(h: Harness, role: Role | null, query: string, variables: Record<string, unknown> = {}) {
  return gql(h.server.httpUrl, query, variables, role ? h.world.tokens[role] : null);
}

/** The police station convenes; community and security take part; outsider does not. */
export async function scheduleMeeting(h: Harness, overrides: Record<string, unknown> = {}) {
  const res = await call(h, 'policeAdmin', SCHEDULE, {
    input: {
      convenerOrganizationId: h.world.gid.org('police'),
      title: '治安聯席會議',
      areaId: h.world.gid.area('streetA'),
      startsAt: '2026-12-10T06:30:00.000Z',
      endsAt: '2026-12-10T08:30:00.000Z',
      participantOrganizationIds: [h.world.gid.org('community'), h.world.gid.org('security')],
      ...overrides,
    },
  });
  const payload = res.body.data?.meetingSchedule;
  if (!payload || payload.userErrors.length) throw new Error(`schedule failed: ${JSON.stringify(res.body)}`);
  return payload;
}

export async function addItem(h: Harness, role: Role, meetingId: string, title: string, extra: Record<string, unknown> = {}) {
  const res = await call(h, role, ADD_ITEM, { input: { meetingId, title, ...extra } });
  const payload = res.body.data?.agendaItemAdd;
  if (!payload || payload.userErrors.length) throw new Error(`agendaItemAdd failed: ${JSON.stringify(res.body)}`);
  return payload.agendaItem as { id: string; version: number; status: string; position: number; title: string };
}
