import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import { SsdetError } from '../errors/ssdet-error.js';

declare const tokenType: unique symbol;

/**
 * An injection token that remembers the type it stands for. It is a plain symbol at run time, so
 * it works with tsyringe's `@inject(TOKEN)` directly; `Symbol.for` makes the same token name the
 * same token even across two copies of this package.
 */
export type Token<T> = symbol & { readonly [tokenType]?: T };

export function createToken<T>(name: string): Token<T> {
  return Symbol.for(`@ssdet/${name}`) as Token<T>;
}

/** Binds a ready value to `token` in `container`. */
export function provideValue<T>(container: DependencyContainer, token: Token<T>, value: T): void {
  container.register<T>(token, { useValue: value });
}

/**
 * Binds a factory to `token`, called at most once per container that resolves it; a child
 * container (one run) that resolves it gets its own instance.
 */
export function provideFactory<T>(
  container: DependencyContainer,
  token: Token<T>,
  factory: (container: DependencyContainer) => T,
): void {
  const instances = new WeakMap<DependencyContainer, T>();
  container.register<T>(token, {
    useFactory: (resolving) => {
      if (!instances.has(resolving)) instances.set(resolving, factory(resolving));
      return instances.get(resolving) as T;
    },
  });
}

/** Resolves `token`, or explains which binding is missing instead of tsyringe's bare message. */
export function resolveToken<T>(container: DependencyContainer, token: Token<T>): T {
  if (!container.isRegistered(token, true)) {
    throw new SsdetError(
      'DI_UNBOUND',
      `Nothing is bound to ${token.description ?? String(token)} in this container.`,
      {
        hint: 'A plugin binds its PretrainMethod (and any stage it overrides) in register(container); the run binds the core services.',
      },
    );
  }
  return container.resolve<T>(token);
}
