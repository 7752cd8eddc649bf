import { randomUUID } from 'node:crypto';
import { clock } from '../shared/clock';
import { ActionItem, ActionItemStatus } from '../modules/action-item/action-item.entity';
import { AgendaItem, AgendaItemStatus, Meeting, MeetingFrequency, MeetingParticipant, MeetingSeries, MeetingStatus, RsvpResponse } from '../modules/meeting/meeting.entity';
import { localDateOf, occurrenceStarts } from '../modules/meeting/meeting.service';
import type { DemoContext } from './demo.types';

const DAY = 86_400_000;

type ItemSeed = {
  key: string;
  title: string;
  presenter: string;
  proposer?: string;
  minutes?: number;
  status: AgendaItemStatus;
  record?: string;
  decision?: string;
  carriedFrom?: string;
  sourceAction?: string;
  description?: string;
};

type ActionSeed = {
  key: string;
  item: string;
  title: string;
  org: string;
  leader: string;
  handler: string;
  dueInDays: number;
  status: ActionItemStatus;
  note?: string;
};

/**
 * The monthly joint security meeting (治安聯席會議) of 中山路派出所 with
 * 三板橋 and 洪家台 communities and the Shashi security company: three past
 * meetings with minutes and decisions, the next one with its agenda (including
 * overdue action items offered for follow-up), and one more scheduled.
 * Dates are relative to the day the demo data is loaded.
 */
export async function seedMeetings({ em, ids }: DemoContext): Promise<void> {
  const org = (key: string) => ids[`org:${key}`];
  const user = (key: string) => ids[`user:${key}`];
  const convener = org('police-zhongshan');
  const participants = ['police-zhongshan', 'rc-sanbanqiao', 'rc-hongjiatai', 'security-shashi'];

  // The next meeting is in about ten days at 14:30 China Standard Time; the series started three months before it.
  const next = new Date(clock.now().getTime() + 10 * DAY);
  const base = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() - 3, Math.min(next.getUTCDate(), 28), 6, 30));
  const starts = occurrenceStarts(base, MeetingFrequency.MONTHLY, 5);

  const seriesId = randomUUID();
  ids['meetingSeries:joint-security'] = seriesId;
  await em.insert(MeetingSeries, { id: seriesId, convenerOrganizationId: convener, title: '中山路派出所治安聯席會議', frequency: MeetingFrequency.MONTHLY });

  const monthLabel = (d: Date) => `${new Date(d.getTime() + 8 * 3_600_000).getUTCMonth() + 1}月份`;
  for (const [i, startsAt] of starts.entries()) {
    const past = i < 3;
    const id = randomUUID();
    ids[`meeting:joint-security-${i + 1}`] = id;
    await em.insert(Meeting, {
      id,
      seriesId,
      occurrence: i + 1,
      convenerOrganizationId: convener,
      areaId: ids['area:st-zhongshan'],
      title: `${monthLabel(startsAt)}治安聯席會議`,
      description: '派出所、社區代表與保安公司通報轄區治安形勢，協調安防責任，落實上次會議議定事項。',
      location: '中山路派出所二樓會議室',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 2 * 3_600_000),
      status: past ? MeetingStatus.CONCLUDED : MeetingStatus.SCHEDULED,
      startedAt: past ? startsAt : null,
      concludedAt: past ? new Date(startsAt.getTime() + 2 * 3_600_000) : null,
      createdByUserId: user('station-admin'),
    });
    await em.insert(
      MeetingParticipant,
      participants.map((key) => {
        const absent = past && i === 1 && key === 'rc-hongjiatai';
        const rsvp = past ? (absent ? RsvpResponse.DECLINED : RsvpResponse.ATTENDING) : i === 3 && key === 'security-shashi' ? RsvpResponse.ATTENDING : i === 3 && key === 'rc-sanbanqiao' ? RsvpResponse.TENTATIVE : null;
        const representative: Record<string, string> = { 'police-zhongshan': 'liaison', 'rc-sanbanqiao': 'community-admin', 'security-shashi': 'security-admin' };
        return {
          meetingId: id,
          organizationId: org(key),
          isConvener: key === 'police-zhongshan',
          rsvp,
          representativeUserId: rsvp === RsvpResponse.ATTENDING && representative[key] ? user(representative[key]) : null,
          rsvpNote: absent ? '社區換屆工作衝突，書面提交情況。' : null,
          respondedAt: rsvp ? new Date(startsAt.getTime() - 3 * DAY) : null,
          attended: past ? !absent : null,
        };
      }),
    );
  }

  const meetingStart = (n: number) => starts[n - 1];
  const agenda: Record<number, ItemSeed[]> = {
    1: [
      { key: 'm1-situation', title: '上月轄區治安形勢通報', presenter: 'police-zhongshan', status: AgendaItemStatus.DISCUSSED, record: '派出所通報：入室盜竊警情環比下降18%，電動車被盜仍為主要警情，集中在洪家台社區老舊小區。', decision: '各社區加強白天門棟（店）關照。' },
      { key: 'm1-night-patrol', title: '三板橋社區保安承包區域夜間巡邏覆蓋', presenter: 'security-shashi', proposer: 'rc-sanbanqiao', status: AgendaItemStatus.DISCUSSED, record: '保安公司匯報承包區域巡邏安排；社區反映23點後巡邏空檔。', decision: '保安公司增設23:00-02:00夜間巡邏一班，按契約服務標準考核。' },
    ],
    2: [
      { key: 'm2-ebike', title: '電動車集中停放與充電安全', presenter: 'rc-sanbanqiao', proposer: 'rc-sanbanqiao', status: AgendaItemStatus.DISCUSSED, record: '社區提出在三板橋小區增設集中充電棚並安裝監控。', decision: '三板橋社區牽頭選址並申請經費，下次會議前完成方案。' },
      { key: 'm2-stairwell', title: '樓道違章搭建排查', presenter: 'police-zhongshan', status: AgendaItemStatus.DEFERRED, record: '洪家台社區代表缺席，議題順延至下次會議。' },
    ],
    3: [
      { key: 'm3-pay', title: '社區安防隊員報酬發放情況', presenter: 'rc-sanbanqiao', proposer: 'rc-sanbanqiao', status: AgendaItemStatus.DISCUSSED, record: '部分安防隊員反映報酬發放延遲；社區解釋經費籌集進度。', decision: '社區統一籌資，本月內補發到位並公示。' },
      { key: 'm3-stairwell', title: '樓道違章搭建排查', presenter: 'police-zhongshan', status: AgendaItemStatus.DISCUSSED, carriedFrom: 'm2-stairwell', record: '網格巡查發現樓道違章搭建12處，其中洪家台社區9處。', decision: '派出所會同社區分批督促整改，逾期未改的移交城管。' },
      { key: 'm3-holiday', title: '節前治安防範部署', presenter: 'police-zhongshan', status: AgendaItemStatus.DISCUSSED, record: '部署節前治安巡邏和重點部位看護。', decision: '保安公司節前三天加派崗哨。' },
    ],
  };
  const actions: ActionSeed[] = [
    { key: 'night-patrol', item: 'm1-night-patrol', title: '增設23:00-02:00夜間巡邏班次', org: 'security-shashi', leader: 'security-admin', handler: 'security-admin', dueInDays: 14, status: ActionItemStatus.DONE, note: '夜班已排入巡邏路線，按日填報巡查記錄。' },
    { key: 'ebike-shed', item: 'm2-ebike', title: '電動車集中充電棚選址與經費申請', org: 'rc-sanbanqiao', leader: 'community-admin', handler: 'community-member', dueInDays: 20, status: ActionItemStatus.OPEN },
    { key: 'guard-pay', item: 'm3-pay', title: '補發安防隊員報酬並公示', org: 'rc-sanbanqiao', leader: 'community-admin', handler: 'community-member', dueInDays: 7, status: ActionItemStatus.IN_PROGRESS },
    { key: 'stairwell', item: 'm3-stairwell', title: '樓道違章搭建分批督促整改', org: 'police-zhongshan', leader: 'station-admin', handler: 'liaison', dueInDays: 55, status: ActionItemStatus.OPEN },
    { key: 'holiday-posts', item: 'm3-holiday', title: '節前三天加派崗哨', org: 'security-shashi', leader: 'security-admin', handler: 'security-admin', dueInDays: 5, status: ActionItemStatus.DONE, note: '已加派崗哨6個。' },
  ];

  const meetingOfItem: Record<string, number> = {};
  for (const [n, items] of Object.entries(agenda)) {
    const meetingId = ids[`meeting:joint-security-${n}`];
    await em.insert(
      AgendaItem,
      items.map((item, i) => {
        const id = randomUUID();
        ids[`agendaItem:${item.key}`] = id;
        meetingOfItem[item.key] = Number(n);
        return {
          id,
          meetingId,
          position: i + 1,
          title: item.title,
          description: item.description ?? null,
          proposedByOrganizationId: org(item.proposer ?? 'police-zhongshan'),
          presenterOrganizationId: org(item.presenter),
          plannedMinutes: item.minutes ?? 15,
          status: item.status,
          minutes: item.record ?? null,
          decision: item.decision ?? null,
          carriedFromItemId: item.carriedFrom ? ids[`agendaItem:${item.carriedFrom}`] : null,
        };
      }),
    );
  }

  for (const action of actions) {
    const n = meetingOfItem[action.item];
    const id = randomUUID();
    ids[`actionItem:${action.key}`] = id;
    const due = new Date(meetingStart(n).getTime() + action.dueInDays * DAY);
    await em.insert(ActionItem, {
      id,
      meetingId: ids[`meeting:joint-security-${n}`],
      agendaItemId: ids[`agendaItem:${action.item}`],
      title: action.title,
      responsibleOrganizationId: org(action.org),
      leaderUserId: user(action.leader),
      handlerUserId: user(action.handler),
      dueOn: localDateOf(due),
      status: action.status,
      completedAt: action.status === ActionItemStatus.DONE ? new Date(due.getTime() - 2 * DAY) : null,
      completionNote: action.note ?? null,
      createdByUserId: user('station-admin'),
    });
  }

  // The next meeting: the convener's standing item, the overdue action items offered for follow-up, and a community proposal.
  const nextItems: ItemSeed[] = [
    { key: 'm4-situation', title: '本月轄區治安形勢通報', presenter: 'police-zhongshan', status: AgendaItemStatus.ACCEPTED },
    { key: 'm4-ebike-overdue', title: '逾期督辦：電動車集中充電棚選址與經費申請', presenter: 'rc-sanbanqiao', status: AgendaItemStatus.PROPOSED, sourceAction: 'ebike-shed', minutes: 10 },
    { key: 'm4-pay-overdue', title: '逾期督辦：補發安防隊員報酬並公示', presenter: 'rc-sanbanqiao', status: AgendaItemStatus.PROPOSED, sourceAction: 'guard-pay', minutes: 10 },
    { key: 'm4-gates', title: '老舊小區門禁改造', presenter: 'rc-sanbanqiao', proposer: 'rc-sanbanqiao', status: AgendaItemStatus.PROPOSED, description: '建議在三板橋社區6個老舊小區加裝門禁，經費由社區和物業分擔。' },
  ];
  await em.insert(
    AgendaItem,
    nextItems.map((item, i) => {
      const id = randomUUID();
      ids[`agendaItem:${item.key}`] = id;
      return {
        id,
        meetingId: ids['meeting:joint-security-4'],
        position: i + 1,
        title: item.title,
        description: item.description ?? null,
        proposedByOrganizationId: org(item.proposer ?? 'police-zhongshan'),
        presenterOrganizationId: org(item.presenter),
        plannedMinutes: item.minutes ?? 15,
        status: item.status,
        sourceActionItemId: item.sourceAction ? ids[`actionItem:${item.sourceAction}`] : null,
      };
    }),
  );
}
