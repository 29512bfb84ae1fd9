/**
 * aws-local-stepfunctions targets Node 22 and calls Promise.withResolvers, which Node 20 lacks.
 * Import this module before it.
 */
(Promise as unknown as { withResolvers?: unknown }).withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
