import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';

@Entity('app_user')
@ObjectType({ implements: Node, description: 'A person with an account.' })
export class User implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('User', this.id);
  }

  /** Stored lower-case; unique. Exposed through a policy-checked field resolver only. */
  @Column('text')
  email!: string;

  @Column('text')
  @Field({ description: 'Name shown to other users.' })
  displayName!: string;

  @Column('text')
  passwordHash!: string;

  @Column('boolean', { default: false })
  @Field({ description: 'Platform administrators manage areas and see every record.' })
  isPlatformAdmin!: boolean;

  @Column('timestamptz', { nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the account was created.' })
  createdAt!: Date;
}
