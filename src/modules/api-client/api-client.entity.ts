import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { ApiClientScope } from '../../shared/auth/roles';

@Entity('api_client')
@ObjectType({ implements: Node, description: "A service account through which a partner system acts for its organisation." })
export class ApiClient implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('ApiClient', this.id);
  }

  @Column('uuid')
  organizationId!: string;

  @Column('text')
  @Field({ description: 'Name of the integration, e.g. "dispatch system".' })
  name!: string;

  @Column('text', { unique: true })
  @Field({ description: 'Public client id to pass to `authTokenForClient`.' })
  clientKey!: string;

  @Column('text')
  secretHash!: string;

  /** The secret replaced by the last rotation, accepted until `previousSecretExpiresAt`. */
  @Column('text', { nullable: true })
  previousSecretHash!: string | null;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'Until when the secret replaced by the last `apiClientRotateSecret` still works (a past time: it no longer does); null when the secret was never rotated.' })
  previousSecretExpiresAt!: Date | null;

  @Column('text')
  @Field(() => ApiClientScope, { description: 'What the client may do.' })
  scope!: ApiClientScope;

  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the client was created.' })
  createdAt!: Date;

  @Column('timestamptz', { nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the client was revoked; its tokens stop working at once.' })
  revokedAt!: Date | null;
}
