import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { withUserErrors } from '../../shared/transaction';
import { Checkpoint } from './patrol.entity';
import { CheckpointTokenIssueInput, CheckpointTokenIssuePayload } from './patrol.inputs';
import { issueCheckpointToken } from './patrol.proof';

@Resolver(() => Checkpoint)
export class CheckpointTokenResolver {
  @Mutation(() => CheckpointTokenIssuePayload, {
    description:
      'Issues (or replaces) the check-in token printed on a checkpoint; the token is shown once. A CHECKPOINT check-in with this token counts as a visit even without a position. ADMINs and COORDINATORs of the maintaining organisation.',
  })
  @Access(AccessLevel.WRITE)
  checkpointTokenIssue(@Ctx() ctx: AppContext, @Arg('input', { description: 'The checkpoint.' }) input: CheckpointTokenIssueInput) {
    return withUserErrors<CheckpointTokenIssuePayload>(() => issueCheckpointToken(ctx, input));
  }
}
