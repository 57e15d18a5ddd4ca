import { App } from 'cdk8s';
import { Lazy } from 'cdk8s/lib/lazy';
import * as resolveModule from 'cdk8s/lib/resolve';

type ResolveFunction = typeof resolveModule.resolve;

/**
 * cdk8s's `ApiObject.toJson()` resolves every value of an object through `resolve()`, which looks the App up
 * from the object (`App.of`, a walk up the construct tree), allocates a context and copies the key path, once
 * per value: about a fifth of synthesizing 9000 objects (ADR 0012). With the App's default resolvers
 * (Lazy, implicit tokens, number-or-string unions, in that order) none of that per-value work changes the
 * result, so while synth renders, `toJson()` goes through `resolveWithDefaults` instead: the same decisions in
 * the same order, the App looked up once per object. An App with resolvers of its own gets cdk8s's `resolve`
 * untouched, as do objects rendered outside synth.
 */
export function withFastResolve<T>(work: () => T): T {
  const exported = resolveModule as { resolve: ResolveFunction };
  const original = exported.resolve;
  if (typeof original !== 'function' || (original as { [FAST]?: true })[FAST]) {
    // Nested synth, or a cdk8s whose module shape is not the one this was written for: leave it alone.
    return work();
  }
  const fast = Object.assign((key: string[], value: unknown, apiObject: Parameters<ResolveFunction>[2]) => {
    return hasDefaultResolvers(App.of(apiObject).resolvers) ? resolveWithDefaults(value) : original(key, value, apiObject);
  }, { [FAST]: true as const });
  exported.resolve = fast;
  try {
    return work();
  } finally {
    exported.resolve = original;
  }
}

const FAST = Symbol('stagecraft.fastResolve');

/** Exactly the resolvers `new App()` installs when given none of its own, from this copy of cdk8s. */
export function hasDefaultResolvers(resolvers: readonly unknown[]): boolean {
  return resolvers.length === 3
    && (resolvers[0] as object)?.constructor === resolveModule.LazyResolver
    && (resolvers[1] as object)?.constructor === resolveModule.ImplicitTokenResolver
    && (resolvers[2] as object)?.constructor === resolveModule.NumberStringUnionResolver;
}

/**
 * cdk8s's `resolve()` with the default resolvers, decision for decision: a Lazy is produced, then anything
 * with a `resolve()` method is resolved, then a non-plain object whose `value` is a number or string (a
 * generated union type such as IntOrString or Quantity) becomes `{ value }`, each result resolved again;
 * arrays and plain objects are resolved member by member; everything else is kept as it is.
 */
export function resolveWithDefaults(value: unknown): unknown {
  let current: any = value;
  for (;;) {
    if (current === null || current === undefined) {
      return current;
    }
    if (current instanceof Lazy) {
      current = current.produce();
      continue;
    }
    if (typeof current.resolve === 'function') {
      current = current.resolve();
      continue;
    }
    const constructor = current.constructor;
    if (constructor !== Object) {
      const inner = current.value;
      if (typeof inner === 'number' || typeof inner === 'string') {
        current = { value: inner };
        continue;
      }
    }
    if (Array.isArray(current)) {
      const items = new Array(current.length);
      for (let index = 0; index < current.length; index++) {
        items[index] = resolveWithDefaults(current[index]);
      }
      return items;
    }
    // `==` as in cdk8s: a plain object of this realm.
    if (constructor == Object) {
      const result: Record<string, unknown> = {};
      for (const key of Object.keys(current)) {
        result[key] = resolveWithDefaults(current[key]);
      }
      return result;
    }
    return current;
  }
}
