import 'reflect-metadata';
import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import { EventBus } from '../events/event-bus.js';
import { Logger } from '../events/logger.js';
import type { Rng } from '../random/rng.js';
import { CORE_VERSION_STRING } from '../version.js';
import { provideValue } from './token.js';
import { StageRegistries } from '../stages/stage-registries.js';
import { SINGLE_PROCESS, type ProcessGroup } from '../distributed/process-group.js';
import { CORE_VERSION, EVENT_BUS, LOGGER, PROCESS_GROUP, RUN_RNG, STAGES } from './tokens.js';

/**
 * The application's root container: process-wide services (event bus, logger, core version, the
 * stage registries; `root.resolve(PluginRegistry)` gives the registry that fills them).
 * It is a child of tsyringe's global container so that two roots never share registrations.
 */
export function createRootContainer(options: { bus?: EventBus } = {}): DependencyContainer {
  const root = globalContainer.createChildContainer();
  const bus = options.bus ?? new EventBus();
  provideValue(root, EVENT_BUS, bus);
  provideValue(root, LOGGER, new Logger(bus, 'ssdet'));
  provideValue(root, CORE_VERSION, CORE_VERSION_STRING);
  provideValue(root, STAGES, new StageRegistries());
  return root;
}

/**
 * One run's container: a child of the root in which the selected plugin registers its method
 * and overrides, so that two runs in one process (tests, a sweep) never see each other's bindings.
 * `processGroup` is the run's data-parallel group ({@link PROCESS_GROUP}).
 */
export function createRunContainer(
  root: DependencyContainer,
  rng: Rng,
  processGroup: ProcessGroup = SINGLE_PROCESS,
): DependencyContainer {
  const run = root.createChildContainer();
  provideValue(run, RUN_RNG, rng);
  provideValue(run, PROCESS_GROUP, processGroup);
  return run;
}
