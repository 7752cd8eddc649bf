import { Field, ID, InterfaceType } from 'type-graphql';

/** A Node's GraphQL type is the name of its class: every Node type is a class of that name. */
export const nodeTypeName = (value: object): string => value.constructor.name;

@InterfaceType({
  description: 'An object with a global id, fetchable with `node(id:)`.',
  resolveType: nodeTypeName,
})
export abstract class Node {
  @Field(() => ID, { name: 'id', description: 'Global, opaque id.' })
  globalId!: string;
}
