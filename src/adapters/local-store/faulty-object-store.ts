import { TransientError } from '../../domain/errors.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';

/**
 * An object store whose named operations fail with a transient error, to exercise retries and
 * the dead-letter queue end to end (enabled by CLAIMFLOW_FAULTS=publish,writeText,...).
 */
export function withInjectedFaults(store: ObjectStore, operations: ReadonlySet<string>): ObjectStore {
  if (operations.size === 0) return store;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (!operations.has(String(property))) return value.bind(target);
      return async () => {
        throw new TransientError(`injected fault: object store ${String(property)} unavailable`);
      };
    },
  });
}
