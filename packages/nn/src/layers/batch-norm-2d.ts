import { BatchNorm } from './batch-norm.js';

/**
 * `torch.nn.BatchNorm2d` on NHWC maps `[B, H, W, C]`: statistics over B, H and W per channel.
 * See {@link BatchNorm} for the formulas and variables.
 */
export class BatchNorm2d extends BatchNorm {
  protected readonly inputRank = 4;
  protected readonly layerName = 'BatchNorm2d';
}
