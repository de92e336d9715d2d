/**
 * λ of `L = (1 − λ)·L_q + λ·L_r` at 0-based optimizer step `step`: 0 before `warmupSteps`, then
 * `lambda` (official `DenseCLWarmupHook`: `loss_lambda = 0` while `iter < start_iters`).
 */
export function lossLambdaAt(step: number, lambda: number, warmupSteps: number): number {
  return step < warmupSteps ? 0 : lambda;
}
