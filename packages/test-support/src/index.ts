export {
  expectClose,
  maxAbsDifference,
  relativeError,
  type CloseOptions,
  type Values,
} from './closeness.js';
export {
  readReferenceFixture,
  readReferenceJson,
  referenceFixturePath,
  repositoryRoot,
} from './reference-fixtures.js';
export { assignStoredWeights, toTensor, type StoredArray } from './stored-arrays.js';
export { expectOfficialInit, readOfficialInit, type OfficialInitRecord } from './official-init.js';
