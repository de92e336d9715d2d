/**
 * The file a finished pre-training run leaves its backbone in (torchvision names, PyTorch
 * layout): what `--init <run>` and `backboneWeights=<run>` read from a run directory.
 */
export const EXPORTED_BACKBONE_FILE = 'backbone.safetensors';
