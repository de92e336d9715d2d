import { describe, expect, it } from 'vitest';
import { isDetrFamily, pretrainedDetrDetector } from './pretrained-detector.js';

describe('pretrainedDetrDetector: which detector a DETR-family run pre-trained', () => {
  it('is the detector the run config names', () => {
    expect(pretrainedDetrDetector({ detector: 'deformable-detr' })).toBe('deformable-detr');
    expect(pretrainedDetrDetector({ detector: 'detr' })).toBe('detr');
  });

  it('is DETR when the config names none or a non-DETR detector', () => {
    expect(pretrainedDetrDetector({ method: 'updetr' })).toBe('detr');
    expect(pretrainedDetrDetector({ detector: 'faster-rcnn' })).toBe('detr');
    expect(pretrainedDetrDetector(null)).toBe('detr');
    expect(pretrainedDetrDetector(undefined)).toBe('detr');
  });

  it('knows the DETR family', () => {
    expect(isDetrFamily('deformable-detr')).toBe(true);
    expect(isDetrFamily('faster-rcnn')).toBe(false);
  });
});
