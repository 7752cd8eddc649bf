import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';
import { MemberRole } from '../../shared/auth/roles';

@Entity('membership')
@ObjectType({ implements: Node, description: "A user's membership of an organisation, with a role." })
export class Membership implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Membership', this.id);
  }

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  organizationId!: string;

  @Column('text')
  @Field(() => MemberRole, { description: 'Role in the organisation.' })
  role!: MemberRole;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the user joined.' })
  createdAt!: Date;
}
