/**
 * `@tensorflow/tfjs-core` alone registers no gradients: they ship in the `@tensorflow/tfjs`
 * bundle, which registers them in tfjs's process-wide registry when imported. Every ssdet run
 * differentiates, so the core imports it once for that side effect; ops are still written
 * against `@tensorflow/tfjs-core`. ReLU's gradient is then replaced by one with the same values
 * that keeps less memory alive ({@link reluGradientFromOutput}), nearest-neighbour resizing's
 * by a correct one ({@link resizeNearestNeighborGradient}: tfjs's mixes up the images of a
 * batch), backprop frees what it no longer needs as it goes
 * ({@link installReleaseDuringBackprop}), and the tensors saved for it share their data without
 * a kernel call each ({@link installShareSavedTensors}).
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { installReleaseDuringBackprop } from './release-during-backprop.js';
import { reluGradientFromOutput } from './relu-gradient.js';
import { resizeNearestNeighborGradient } from './resize-nearest-neighbor-gradient.js';
import { installShareSavedTensors } from './share-saved-tensors.js';

tf.registerGradient(reluGradientFromOutput);
tf.registerGradient(resizeNearestNeighborGradient);
installReleaseDuringBackprop();
installShareSavedTensors();
