export { roiAlign, type RoiAlignOptions } from './roi-align.js';
export {
  multiScaleRoiAlign,
  type MultiScaleRoiAlignOptions,
  type PyramidLevel,
} from './multi-scale-roi-align.js';
export {
  levelForBoxes,
  socoLevelForBoxes,
  SOCO_LEVEL_THRESHOLDS,
  type BoxRows,
  type LevelMapperOptions,
} from './level-mapper.js';
export { toRoiTable, type BoxList, type RoiBoxes } from './roi-boxes.js';
