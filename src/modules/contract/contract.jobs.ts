import { registerJob } from '../../shared/scheduler';
import { runContractLifecycle } from './contract.lifecycle';

/**
 * Time-driven contract steps: a fully signed contract becomes ACTIVE on its
 * start date, and ACTIVE, SUSPENDED or still PROPOSED contracts become EXPIRED
 * the day after their end date. Imported by the resolver for this side effect.
 */
registerJob({
  name: 'contract-lifecycle',
  run: (app, now) => runContractLifecycle(app, now),
});
