import 'reflect-metadata';
import path from 'node:path';
import { isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, type GraphQLInputType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { buildGraphQLSchema } from '../src/server/schema';
import { ConnectionArgs } from '../src/shared/relay/connection';
import { INPUT_CONVERSION_RELEASE, installedTypeGraphqlRelease, installInputConversion } from '../src/server/input-conversion';

/**
 * Resolvers get their input arguments from the planned conversion (src/server/input-conversion.ts), which replaces
 * type-graphql's own. Whatever type-graphql would have handed a resolver, the planned one must hand over the same:
 * the same classes, the same properties, nulls and lists kept, inherited fields included, for every input type.
 */

interface Converter {
  convertArgsToInstance(argsMetadata: { getType(): unknown }, args: Record<string, unknown>): unknown;
  convertArgToInstance(argMetadata: { name: string; getType(): unknown }, args: Record<string, unknown>): unknown;
}

const schema = buildGraphQLSchema();
const convertArgsPath = path.join(path.dirname(require.resolve('type-graphql')), 'resolvers/convert-args.js');

/** What the server's resolvers call now (the same module object type-graphql's resolvers read it from). */
const installed = (): Converter => require(convertArgsPath) as Converter;

/** type-graphql's own converter: a fresh copy of its module, which nothing has replaced. */
const original: () => Converter = (() => {
  let module: Converter | undefined;
  jest.isolateModules(() => {
    module = require(convertArgsPath) as Converter;
  });
  return () => module!;
})();

/** A value for every field of an input type, as GraphQL would hand it over (Dates for DateTime, internal enum values). */
function sampleOf(type: GraphQLInputType, depth: number, variant: number): unknown {
  if (isNonNullType(type)) return sampleOf(type.ofType, depth, variant);
  if (isListType(type)) return [sampleOf(type.ofType, depth, variant), sampleOf(type.ofType, depth, variant + 1)];
  if (isEnumType(type)) return type.getValues()[variant % type.getValues().length].value;
  if (isScalarType(type)) {
    if (type.name === 'Int') return 3 + variant;
    if (type.name === 'Float') return 1.5 + variant;
    if (type.name === 'Boolean') return variant % 2 === 0;
    if (type.name === 'DateTimeISO') return new Date(Date.UTC(2026, 11, 3, variant));
    return `text-${variant}`;
  }
  if (!isInputObjectType(type) || depth > 3) return undefined;
  const value: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(type.getFields())) {
    // Every third nullable field is null, so that the null branch is compared too.
    if (!isNonNullType(field.type) && (name.length + variant) % 3 === 0) value[name] = null;
    else value[name] = sampleOf(field.type, depth + 1, variant);
  }
  return value;
}

/** Classes and values, deep: what a resolver would see. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value instanceof Date) return { Date: value.toISOString() };
  if (value && typeof value === 'object') {
    return { class: value.constructor?.name, ...Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)])) };
  }
  return value;
}

/** Every input type of the schema with its class (abstract bases such as ContractTermsChangeInput are reached through the types built on them). */
const inputTypes = Object.values(schema.getTypeMap())
  .filter(isInputObjectType)
  .map((type) => ({ name: type.name, target: getMetadataStorage().inputTypes.find((metadata) => metadata.name === type.name)?.target }));

describe('input conversion', () => {
  test('given the release the planned conversion was read from, when the schema is built, then it replaces type-graphql\'s', () => {
    expect(installedTypeGraphqlRelease()).toBe(INPUT_CONVERSION_RELEASE);
    expect(installInputConversion()).toBe(true);
    expect(installed().convertArgToInstance).not.toBe(original().convertArgToInstance);
  });

  test('given the schema, when its input types are listed, then every one has its class', () => {
    expect(inputTypes.length).toBeGreaterThan(100);
    expect(inputTypes.filter((t) => !t.target).map((t) => t.name)).toEqual([]);
  });

  test.each(inputTypes.map((t) => [t.name, t.target!] as const))('given a %s with every field set, when it is converted, then the planned conversion returns what type-graphql returns', (name, target) => {
    const type = schema.getType(name);
    if (!isInputObjectType(type)) throw new Error(`${name} is not an input type of the schema`);
    for (const variant of [0, 1]) {
      const args = { input: sampleOf(type, 0, variant), many: [sampleOf(type, 0, variant), null] };
      for (const arg of [{ name: 'input', getType: () => target }, { name: 'many', getType: () => target }]) {
        const expected = shapeOf(original().convertArgToInstance(arg, args));
        expect(shapeOf(installed().convertArgToInstance(arg, args))).toEqual(expected);
      }
    }
  });

  test('given connection arguments, when they are converted, then both conversions return the same ConnectionArgs', () => {
    const metadata = { getType: () => ConnectionArgs };
    for (const args of [{ first: 5, after: 'abc' }, { first: null }, {}]) {
      const converted = installed().convertArgsToInstance(metadata, args);
      expect(converted).toBeInstanceOf(ConnectionArgs);
      expect(shapeOf(converted)).toEqual(shapeOf(original().convertArgsToInstance(metadata, args)));
    }
  });
});
