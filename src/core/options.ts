/**
 * One schema per rule's options: the TypeScript type, the runtime validation, the JSON Schema of the
 * config file and the options table in the docs all come from it.
 */

interface BaseOption<T> {
  readonly kind: string;
  readonly description: string;
  readonly default: T;
  /** Returns an error text, or undefined when the value is acceptable. */
  validate(value: unknown): string | undefined;
  jsonSchema(): Record<string, unknown>;
}

export type Option<T> = BaseOption<T>;
export type OptionsShape = Record<string, Option<unknown>>;
export type OptionsOf<S extends OptionsShape> = { [K in keyof S]: S[K] extends Option<infer T> ? T : never };

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}

export const option = {
  string(description: string, defaultValue: string): Option<string> {
    return {
      kind: 'string',
      description,
      default: defaultValue,
      validate: (v) => (typeof v === 'string' ? undefined : `expected a string, got ${describe(v)}`),
      jsonSchema: () => ({ type: 'string', description, default: defaultValue }),
    };
  },
  number(description: string, defaultValue: number, range: { min?: number; max?: number } = {}): Option<number> {
    return {
      kind: 'number',
      description,
      default: defaultValue,
      validate(v) {
        if (typeof v !== 'number' || !Number.isFinite(v)) return `expected a number, got ${describe(v)}`;
        if (range.min !== undefined && v < range.min) return `must be at least ${range.min}`;
        if (range.max !== undefined && v > range.max) return `must be at most ${range.max}`;
        return undefined;
      },
      jsonSchema: () => ({ type: 'number', description, default: defaultValue, minimum: range.min, maximum: range.max }),
    };
  },
  boolean(description: string, defaultValue: boolean): Option<boolean> {
    return {
      kind: 'boolean',
      description,
      default: defaultValue,
      validate: (v) => (typeof v === 'boolean' ? undefined : `expected true or false, got ${describe(v)}`),
      jsonSchema: () => ({ type: 'boolean', description, default: defaultValue }),
    };
  },
  stringList(description: string, defaultValue: readonly string[]): Option<string[]> {
    return {
      kind: 'string[]',
      description,
      default: [...defaultValue],
      validate: (v) =>
        Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : `expected an array of strings, got ${describe(v)}`,
      jsonSchema: () => ({ type: 'array', items: { type: 'string' }, description, default: defaultValue }),
    };
  },
  oneOf<const T extends string>(description: string, values: readonly T[], defaultValue: T): Option<T> {
    return {
      kind: values.map((v) => JSON.stringify(v)).join(' | '),
      description,
      default: defaultValue,
      validate: (v) =>
        typeof v === 'string' && (values as readonly string[]).includes(v)
          ? undefined
          : `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`,
      jsonSchema: () => ({ enum: values, description, default: defaultValue }),
    };
  },
};

export function defaultsOf<S extends OptionsShape>(shape: S): OptionsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, opt] of Object.entries(shape)) out[key] = structuredClone(opt.default);
  return out as OptionsOf<S>;
}

/**
 * Merges raw options from configuration over the defaults. Throws an Error whose message names the
 * offending key; callers wrap it into a configuration error with the rule id.
 */
export function resolveOptions<S extends OptionsShape>(shape: S, raw: unknown): OptionsOf<S> {
  const result = defaultsOf(shape) as Record<string, unknown>;
  if (raw === undefined) return result as OptionsOf<S>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`options must be an object, got ${describe(raw)}`);
  }
  for (const [key, value] of Object.entries(raw)) {
    const opt = shape[key];
    if (!opt) {
      const known = Object.keys(shape);
      throw new Error(`unknown option "${key}"${known.length ? ` (known: ${known.join(', ')})` : ' (this rule has no options)'}`);
    }
    const problem = opt.validate(value);
    if (problem) throw new Error(`option "${key}": ${problem}`);
    result[key] = value;
  }
  return result as OptionsOf<S>;
}

export function optionsJsonSchema(shape: OptionsShape): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(shape).map(([key, opt]) => [key, opt.jsonSchema()])),
  };
}
