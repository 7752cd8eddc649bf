import path from 'node:path';
import { getMetadataStorage } from 'type-graphql';

/**
 * type-graphql hands resolvers their input arguments as instances of the input classes. Its converter
 * (resolvers/convert-args.js) works out an input type's fields again for every object it converts, and looks each
 * field's type up by a linear search of all input types (120 here; a scalar field searches them all): a check-in
 * batch of 50 events cost some 6,000 scans and closures, 5% of the server's CPU during ingestion and 11% of the
 * bytes it allocated. The same conversion is installed here with each type's fields worked out once.
 *
 * The converter is internal to type-graphql, so it is replaced only in the release it was read from; any other
 * release keeps its own (slower, equally correct) converter, and test/input-conversion.test.ts, which compares
 * the two on every input type of the schema, fails until this is looked at again.
 */
export const INPUT_CONVERSION_RELEASE = '2.0.0-rc.4';

interface FieldMetadataLike {
  name: string;
  getType(): unknown;
}
interface TypeMetadataLike {
  target: Function;
  fields?: FieldMetadataLike[];
}
interface ParamLike {
  name: string;
  getType(): unknown;
}
interface ConvertArgsModule {
  convertArgsToInstance(argsMetadata: { getType(): unknown }, args: Record<string, unknown>): unknown;
  convertArgToInstance(argMetadata: ParamLike, args: Record<string, unknown>): unknown;
}
type ConvertToType = (target: unknown, data: unknown) => unknown;

/** An input type's fields as conversion needs them: the field's type, and the plan for it when it is an input type. */
interface InputPlan {
  target: Function;
  fields: { name: string; target: unknown; plan: InputPlan | null }[];
}

/** type-graphql's compiled modules, by path: its package exports only its index. */
function typeGraphqlModule<T>(relative: string): T {
  return require(path.join(path.dirname(require.resolve('type-graphql')), relative)) as T;
}

export function installedTypeGraphqlRelease(): string {
  return typeGraphqlModule<{ version: string }>('../../package.json').version;
}

let installed = false;

/** Replaces type-graphql's argument conversion with the planned one (once; after the schema is built). Returns whether it did. */
export function installInputConversion(): boolean {
  if (installed) return true;
  if (installedTypeGraphqlRelease() !== INPUT_CONVERSION_RELEASE) return false;
  const convertArgs = typeGraphqlModule<ConvertArgsModule>('resolvers/convert-args.js');
  const { convertToType } = typeGraphqlModule<{ convertToType: ConvertToType }>('helpers/types.js');
  const converter = plannedConversion(convertToType);
  convertArgs.convertArgsToInstance = converter.convertArgsToInstance;
  convertArgs.convertArgToInstance = converter.convertArgToInstance;
  installed = true;
  return true;
}

/**
 * The conversion of type-graphql 2.0.0-rc.4's convert-args.js, step for step (inherited fields, self-referencing
 * types, lists, nulls), with the plans kept.
 */
function plannedConversion(convertToType: ConvertToType): ConvertArgsModule {
  const storage = getMetadataStorage() as unknown as { inputTypes: TypeMetadataLike[]; argumentTypes: TypeMetadataLike[] };
  const inputTypes = new Map<unknown, TypeMetadataLike>();
  for (const type of storage.inputTypes) if (!inputTypes.has(type.target)) inputTypes.set(type.target, type);
  const plans = new Map<unknown, InputPlan | null>();
  const argsFields = new Map<unknown, FieldMetadataLike[]>();

  function planOf(target: unknown): InputPlan | null {
    const known = plans.get(target);
    if (known !== undefined) return known;
    const metadata = inputTypes.get(target);
    if (!metadata) {
      plans.set(target, null);
      return null;
    }
    const plan: InputPlan = { target: metadata.target, fields: [] };
    // Set before the fields are planned, so that a type reached again through its own fields gets this plan.
    plans.set(target, plan);
    let fields = metadata.fields ?? [];
    for (let parent = Object.getPrototypeOf(metadata.target); parent.prototype !== undefined; parent = Object.getPrototypeOf(parent)) {
      const inherited = inputTypes.get(parent);
      if (!inherited) continue;
      const own = new Set(fields.map((field) => field.name));
      fields = [...fields, ...(inherited.fields ?? []).filter((field) => !own.has(field.name))];
    }
    plan.fields = fields.map((field) => {
      const fieldTarget = field.getType();
      return { name: field.name, target: fieldTarget, plan: planOf(fieldTarget) };
    });
    return plan;
  }

  function toInput(plan: InputPlan, data: unknown): unknown {
    if (data == null) return data;
    if (Array.isArray(data)) return data.map((item) => toInput(plan, item));
    const values: Record<string, unknown> = {};
    for (const field of plan.fields) {
      const value = (data as Record<string, unknown>)[field.name];
      if (value === undefined) continue;
      if (value === null || !field.plan) values[field.name] = convertToType(field.target, value);
      else if (Array.isArray(value)) values[field.name] = value.map((item) => toInput(field.plan!, item));
      else values[field.name] = toInput(field.plan, value);
    }
    return convertToType(plan.target, values);
  }

  function toInstances(target: unknown, value: unknown): unknown {
    if (value == null) return value;
    if (Array.isArray(value)) return value.map((item) => toInstances(target, item));
    const plan = planOf(target);
    return plan ? toInput(plan, value) : convertToType(target, value);
  }

  function fieldsOfArgs(target: unknown): FieldMetadataLike[] {
    let fields = argsFields.get(target);
    if (fields) return fields;
    const find = (t: unknown) => storage.argumentTypes.find((type) => type.target === t);
    const argsType = find(target)!;
    fields = argsType.fields ?? [];
    // As type-graphql does: an @ArgsType's inherited fields are appended, not merged by name.
    for (let parent = Object.getPrototypeOf(argsType.target); parent.prototype !== undefined; parent = Object.getPrototypeOf(parent)) {
      const inherited = find(parent);
      if (inherited) fields = [...fields, ...(inherited.fields ?? [])];
    }
    argsFields.set(target, fields);
    return fields;
  }

  return {
    convertArgsToInstance(argsMetadata, args) {
      const ArgsClass = argsMetadata.getType();
      const values: Record<string, unknown> = {};
      for (const field of fieldsOfArgs(ArgsClass)) {
        const value = args[field.name];
        if (value !== undefined) values[field.name] = toInstances(field.getType(), value);
      }
      return convertToType(ArgsClass, values);
    },
    convertArgToInstance(argMetadata, args) {
      return toInstances(argMetadata.getType(), args[argMetadata.name]);
    },
  };
}
