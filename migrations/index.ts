import { Foundation1764130000000 } from './1764130000000-Foundation';
import { Meetings1764130100000 } from './1764130100000-Meetings';
import { Contracts1764130200000 } from './1764130200000-Contracts';
import { Patrols1764130300000 } from './1764130300000-Patrols';
import { Cases1764130400000 } from './1764130400000-Cases';
import { TrustModel1764509000000 } from './1764509000000-TrustModel';
import { PartnerPolling1764512000000 } from './1764512000000-PartnerPolling';
import { PatrolProof1764515000000 } from './1764515000000-PatrolProof';
import { CaseFigures1764515000001 } from './1764515000001-CaseFigures';
import { CaseListIndexes1764517000000 } from './1764517000000-CaseListIndexes';
import { Sessions1764609000000 } from './1764609000000-Sessions';
import { SignInThrottle1764609000001 } from './1764609000001-SignInThrottle';
import { Webhooks1764612000000 } from './1764612000000-Webhooks';
import { ComplianceAssessments1764615000000 } from './1764615000000-ComplianceAssessments';
import { ScreeningRounds1764615000001 } from './1764615000001-ScreeningRounds';
import { ConstructionTracks1764615000002 } from './1764615000002-ConstructionTracks';
import { QualityStandards1764615000003 } from './1764615000003-QualityStandards';
import { SecurityFunds1764801000000 } from './1764801000000-SecurityFunds';
import { PatrolRosters1764801000001 } from './1764801000001-PatrolRosters';
import { LegalEducation1764802000000 } from './1764802000000-LegalEducation';
import { Bulletins1764802000001 } from './1764802000001-Bulletins';
import { PublicFace1764802000002 } from './1764802000002-PublicFace';
import { JurisdictionFigureIndexes1764803000000 } from './1764803000000-JurisdictionFigureIndexes';
import { UntriagedQueueIndex1764803000005 } from './1764803000005-UntriagedQueueIndex';
import { PatrolEventTimes1764804000000 } from './1764804000000-PatrolEventTimes';
import { PatrolBatchFacts1764804000001 } from './1764804000001-PatrolBatchFacts';
import { LogAppendFunctions1764805000000 } from './1764805000000-LogAppendFunctions';
import { PatrolEventReferencesPerStatement1764806000000 } from './1764806000000-PatrolEventReferencesPerStatement';
import { PatrolBatchFactsPerGroup1764807000000 } from './1764807000000-PatrolBatchFactsPerGroup';

/** Every migration, oldest first. Listed explicitly so the server, the CLI and the tests apply the same set. */
export const allMigrations = [
  Foundation1764130000000,
  Meetings1764130100000,
  Contracts1764130200000,
  Patrols1764130300000,
  Cases1764130400000,
  TrustModel1764509000000,
  PartnerPolling1764512000000,
  PatrolProof1764515000000,
  CaseFigures1764515000001,
  CaseListIndexes1764517000000,
  Sessions1764609000000,
  SignInThrottle1764609000001,
  Webhooks1764612000000,
  ComplianceAssessments1764615000000,
  ScreeningRounds1764615000001,
  ConstructionTracks1764615000002,
  QualityStandards1764615000003,
  SecurityFunds1764801000000,
  PatrolRosters1764801000001,
  LegalEducation1764802000000,
  Bulletins1764802000001,
  PublicFace1764802000002,
  JurisdictionFigureIndexes1764803000000,
  UntriagedQueueIndex1764803000005,
  PatrolEventTimes1764804000000,
  PatrolBatchFacts1764804000001,
  LogAppendFunctions1764805000000,
  PatrolEventReferencesPerStatement1764806000000,
  PatrolBatchFactsPerGroup1764807000000,
];
