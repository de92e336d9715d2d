export * from './weights/index.js';
