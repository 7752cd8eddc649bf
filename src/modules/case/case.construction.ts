import { ConstructionClassification, DisposalClass, DisposalPhaseKind } from './case.entity';

/** A NEW construction is stopped within this many days of its ledger entry (立即予以制止). */
export const STOP_ORDER_DAYS = 1;
/** ...and removed within this many (快速拆除): its case is due then at the latest. */
export const NEW_DEADLINE_DAYS = 15;

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

type Template = { kind: DisposalPhaseKind; title: string; days: number }[];

/** The plan of each track, in days from the ledger entry. */
export const PLAN_TEMPLATES: Record<'NEW' | DisposalClass, Template> = {
  NEW: [
    { kind: DisposalPhaseKind.STOP_ORDER, title: '責令立即停止施工（停工通知）', days: STOP_ORDER_DAYS },
    { kind: DisposalPhaseKind.SELF_DEMOLITION, title: '限期自行拆除', days: 7 },
    { kind: DisposalPhaseKind.FORCED_REMOVAL, title: '快速強制拆除並恢復原狀', days: NEW_DEADLINE_DAYS },
  ],
  [DisposalClass.DEMOLISH_HAZARD]: [
    { kind: DisposalPhaseKind.DEMOLITION_NOTICE, title: '下達責令限期拆除通知書（安全隱患）', days: 3 },
    { kind: DisposalPhaseKind.SELF_DEMOLITION, title: '當事人自行拆除', days: 15 },
    { kind: DisposalPhaseKind.FORCED_REMOVAL, title: '依法強制拆除並恢復原狀', days: 30 },
  ],
  [DisposalClass.DEMOLISH_PRIORITY]: [
    { kind: DisposalPhaseKind.DEMOLITION_NOTICE, title: '下達責令限期拆除通知書', days: 7 },
    { kind: DisposalPhaseKind.SELF_DEMOLITION, title: '當事人自行拆除', days: 30 },
    { kind: DisposalPhaseKind.FORCED_REMOVAL, title: '依法組織強制拆除並恢復原狀', days: 60 },
  ],
  [DisposalClass.RECTIFY]: [
    { kind: DisposalPhaseKind.RECTIFICATION, title: '責令整改並補辦相關手續', days: 60 },
    { kind: DisposalPhaseKind.OTHER, title: '整改驗收、臺賬銷號', days: 90 },
  ],
  [DisposalClass.CONFISCATE]: [
    { kind: DisposalPhaseKind.OTHER, title: '依法作出沒收決定', days: 30 },
    { kind: DisposalPhaseKind.CONFISCATION, title: '執行沒收', days: 90 },
  ],
};

/** The template for a ledger entry, or null when the handlers plan by hand (EXISTING without a class). */
export function templateFor(classification: ConstructionClassification, disposalClass: DisposalClass | null): Template | null {
  if (classification === ConstructionClassification.NEW) return PLAN_TEMPLATES.NEW;
  return disposalClass ? PLAN_TEMPLATES[disposalClass] : null;
}

/** Why a class does not fit the classification, or null when it does. */
export function classProblem(classification: ConstructionClassification, disposalClass: DisposalClass | null, safetyHazard: boolean): { code: 'REQUIRED' | 'INVALID'; message: string } | null {
  if (classification === ConstructionClassification.NEW) {
    return disposalClass ? { code: 'INVALID', message: 'NEW construction is stopped and removed at once; it has no disposal class.' } : null;
  }
  if (classification === ConstructionClassification.HISTORICAL && !disposalClass) return { code: 'REQUIRED', message: 'A HISTORICAL construction is handled by class (分類處置): give its disposalClass.' };
  if (safetyHazard && disposalClass && disposalClass !== DisposalClass.DEMOLISH_HAZARD) {
    return { code: 'INVALID', message: 'A construction that is a safety hazard is demolished without fail: DEMOLISH_HAZARD.' };
  }
  return null;
}
