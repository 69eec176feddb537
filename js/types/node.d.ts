// The Node entry (dist/node): every type, and exactly the values it exports.
export type * from './core';
export {
  ZailaiError, isZailaiError, mergeConfig, createClient, load, loadSync, memoryStorage, localStorageAdapter,
  wxStorage, fetchTransport, wxTransport, vantFormatter, tdesignFormat, svgDataUri, drawCommands,
  drawOnCanvas, POSTER_SIZE, checkRules, encodeRules, decodeRules, diffRules, ruleMessage,
} from './core';
