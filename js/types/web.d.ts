// The browser entry (dist/web): every type, and exactly the values it exports.
export type * from './core';
export {
  ZailaiError, isZailaiError, mergeConfig, createClient, load, memoryStorage, localStorageAdapter,
  fetchTransport, vantFormatter, tdesignFormat, svgDataUri, drawCommands, drawOnCanvas, POSTER_SIZE,
} from './core';
