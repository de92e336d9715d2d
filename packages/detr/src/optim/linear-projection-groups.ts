import type { NamedVariables, ParameterGroup } from '@ssdet/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * The names Deformable DETR's `main.py` trains at a reduced learning rate
 * (`--lr_linear_proj_names reference_points sampling_offsets`): the layers that predict where
 * deformable attention samples, which diverge at the full rate.
 */
export const LINEAR_PROJECTION_NAMES = ['reference_points', 'sampling_offsets'] as const;

/**
 * Deformable DETR's parameter groups: every variable at the learning rate (`base`), those whose
 * name contains one of {@link LINEAR_PROJECTION_NAMES} at `lrMultiplier` × it (`linear-proj`,
 * `--lr_linear_proj_mult`, officially 0.1). The second group is left out when no variable matches
 * (a DETR, not Deformable DETR, model). Variables keep their order within each group.
 */
export function linearProjectionParameterGroups(
  variables: NamedVariables,
  lrMultiplier: number,
): readonly ParameterGroup[] {
  const base = new Map<string, tf.Variable>();
  const linearProj = new Map<string, tf.Variable>();
  for (const [name, variable] of variables) {
    (LINEAR_PROJECTION_NAMES.some((part) => name.includes(part)) ? linearProj : base).set(
      name,
      variable,
    );
  }
  return [
    { name: 'base', variables: base },
    ...(linearProj.size === 0
      ? []
      : [{ name: 'linear-proj', variables: linearProj, lrMultiplier }]),
  ];
}
