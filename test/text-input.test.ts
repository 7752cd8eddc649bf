import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { ADD_ITEM, scheduleMeeting } from './support/meetings';

let h: Harness;
let meetingId: string;
beforeAll(async () => {
  h = await startHarness();
  meetingId = (await scheduleMeeting(h)).meeting.id;
});
afterAll(() => stopHarness(h));

async function agendaTitles(): Promise<string[]> {
  const rows = await h.server.services.db.query(`SELECT title FROM agenda_item ORDER BY created_at`);
  return rows.map((r: { title: string }) => r.title);
}

const ORG_UPDATE = `mutation ($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { description } userErrors { field code message } } }`;

describe('text inputs refuse control characters at the boundary', () => {
  test('given a NUL in an agenda item title, then INVALID_CHARACTERS on input.title and nothing is stored', async () => {
    const before = await agendaTitles();
    const response = await gql(h.server.httpUrl, ADD_ITEM, { input: { meetingId, title: 'Budget\u0000' } }, h.world.tokens.policeAdmin);
    expect(response.status).toBe(200);
    expect(response.body.data.agendaItemAdd.agendaItem).toBeNull();
    expect(response.body.data.agendaItemAdd.userErrors).toEqual([{ field: ['input', 'title'], code: 'INVALID_CHARACTERS', message: expect.stringContaining('U+0000') }]);
    expect(await agendaTitles()).toEqual(before);
  });

  test.each([
    ['a line break', 'Budget\nreview'],
    ['a tab', 'Budget\treview'],
    ['an escape character', 'Budget\u001b[31m'],
    ['a C1 control', 'Budget\u0085'],
    ['an unpaired surrogate', 'Budget\ud800'],
  ])('given %s in a single-line title, then INVALID_CHARACTERS', async (_name, title) => {
    const response = await gql(h.server.httpUrl, ADD_ITEM, { input: { meetingId, title } }, h.world.tokens.policeAdmin);
    expect(response.body.data.agendaItemAdd.userErrors.map((e: { code: string }) => e.code)).toEqual(['INVALID_CHARACTERS']);
  });

  test('given tabs and line breaks in a free-form description, then they are kept; a NUL there is still refused', async () => {
    const kept = await gql(h.server.httpUrl, ORG_UPDATE, { input: { id: h.world.gid.org('police'), description: 'Line one\n\tLine two\r\n' } }, h.world.tokens.policeAdmin);
    expect(kept.body.data.organizationUpdate).toEqual({ organization: { description: 'Line one\n\tLine two' }, userErrors: [] });
    const refused = await gql(h.server.httpUrl, ORG_UPDATE, { input: { id: h.world.gid.org('police'), description: 'a\u0000b' } }, h.world.tokens.policeAdmin);
    expect(refused.body.data.organizationUpdate.userErrors).toEqual([{ field: ['input', 'description'], code: 'INVALID_CHARACTERS', message: expect.any(String) }]);
  });

  test('given a signed-out caller with a NUL, then UNAUTHENTICATED as for any other input', async () => {
    const response = await gql(h.server.httpUrl, ADD_ITEM, { input: { meetingId, title: '\u0000' } });
    expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('given a NUL in a query argument, then BAD_USER_INPUT rather than an internal error', async () => {
    const response = await gql(h.server.httpUrl, `query ($s: String) { organizations(search: $s) { totalCount } }`, { s: 'x\u0000' }, h.world.tokens.communityMember);
    expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  test('given a body that is not valid UTF-8, then 400 and nothing is stored', async () => {
    const before = await agendaTitles();
    const head = Buffer.from(JSON.stringify({ query: ADD_ITEM, variables: { input: { meetingId, title: 'XX' } } }));
    const at = head.indexOf('XX');
    head[at] = 0xc3; // a lead byte without its continuation byte
    head[at + 1] = 0x28;
    const response = await fetch(h.server.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.world.tokens.policeAdmin}` }, body: head });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: 'Request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST' } }] });
    expect(await agendaTitles()).toEqual(before);
  });
});
