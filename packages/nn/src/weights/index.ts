export {
  DTYPE_BYTES,
  WEIGHT_DTYPES,
  elementCount,
  isFloatDtype,
  type WeightDtype,
  type WeightMap,
  type WeightTensor,
} from './weight-tensor.js';
export {
  SAFETENSORS_MAX_HEADER_BYTES,
  readSafetensors,
  writeSafetensors,
  type SafetensorsContents,
} from './safetensors.js';
export { readPth, type ReadPthOptions } from './pth/read-pth.js';
export { writePth, type WritePthOptions } from './pth/write-pth.js';
export { readWeightFile } from './read-weight-file.js';
export {
  defaultLayoutRule,
  fromTorchLayout,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
  permuteAxes,
  toTorchLayout,
  transpose2d,
  type LayoutRule,
  type TorchLayout,
} from './layout.js';
export {
  detectron2ToSsdetName,
  isIgnoredTorchvisionName,
  ssdetToDetectron2Name,
  ssdetToTorchvisionName,
  torchvisionToSsdetName,
} from './name-maps.js';
export type { NameMapping, StateDictNaming } from './state-dict-names.js';
export { detectron2PartOf, type Detectron2Part } from './detectron2-export-names.js';
export {
  loadStateDict,
  type LoadStateDictOptions,
  type LoadStateDictReport,
  type ShapeMismatch,
} from './load-state-dict.js';
export { exportStateDict, type ExportStateDictOptions } from './export-state-dict.js';
