// The mini-program entry (dist/miniprogram, what "构建 npm" copies into miniprogram_npm/zailai):
// every type, and exactly the values it exports (js/test/types.test.js checks them).
export type * from './core';
export {
  ZailaiError, isZailaiError, createClient, load, startApp, getClient, memoryStorage, wxStorage, wxTransport,
  wxLoginCredentials, syncOnShow, drawPoster, vantFormatter, tdesignFormat, svgDataUri,
  drawCommands, drawOnCanvas, POSTER_SIZE,
} from './core';
// The components' properties and event details (usingComponents "zailai/<name>/index").
export type * from './components';
