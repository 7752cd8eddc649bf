import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../node/node.type';
import { toGlobalId } from '../../shared/relay/global-id';

export enum AreaKind {
  CITY = 'CITY',
  DISTRICT = 'DISTRICT',
  COUNTY = 'COUNTY',
  STREET = 'STREET',
  TOWN = 'TOWN',
  COMMUNITY = 'COMMUNITY',
  VILLAGE = 'VILLAGE',
  GRID = 'GRID',
}

registerEnumType(AreaKind, {
  name: 'AreaKind',
  description: 'Level of an administrative area: city > district/county > street/town > community/village > grid.',
  valuesConfig: {
    CITY: { description: 'City (市).' },
    DISTRICT: { description: 'Urban district (區).' },
    COUNTY: { description: 'County (縣).' },
    STREET: { description: 'Street office area (街道).' },
    TOWN: { description: 'Town (鎮/鄉).' },
    COMMUNITY: { description: 'Urban community (社區).' },
    VILLAGE: { description: 'Village (村).' },
    GRID: { description: 'Grid (網格), the smallest patch a grid worker patrols.' },
  },
});

/** Rank of each level: a child must rank below its parent. */
export const AREA_LEVEL: Record<AreaKind, number> = {
  CITY: 0,
  DISTRICT: 1,
  COUNTY: 1,
  STREET: 2,
  TOWN: 2,
  COMMUNITY: 3,
  VILLAGE: 3,
  GRID: 4,
};

@Entity('area')
@ObjectType({ implements: Node, description: 'An administrative area in the tree city > district > street > community > grid.' })
export class Area implements Node {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { name: 'id', description: 'Global id.' })
  get globalId(): string {
    return toGlobalId('Area', this.id);
  }

  @Column('text')
  @Field({ description: 'Official name, e.g. 沙市區.' })
  name!: string;

  @Column('text')
  @Field(() => AreaKind, { description: 'Administrative level.' })
  kind!: AreaKind;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'Administrative division code, when known.' })
  code!: string | null;

  @Column('uuid', { nullable: true })
  parentId!: string | null;

  /** Materialized path `/root/.../self/` of ids: a subtree is one indexed prefix scan. */
  @Column('text')
  path!: string;

  @Column('int')
  @Field(() => Int, { description: 'Distance from the root of the tree (0 for a city).' })
  depth!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  @Field({ description: 'When the area was recorded.' })
  createdAt!: Date;
}
