import { BatchNorm } from './batch-norm.js';

/**
 * `torch.nn.BatchNorm1d` on `[N, C]` features (MLP heads): statistics over N per feature.
 * See {@link BatchNorm} for the formulas and variables.
 */
export class BatchNorm1d extends BatchNorm {
  protected readonly inputRank = 2;
  protected readonly layerName = 'BatchNorm1d';
}
