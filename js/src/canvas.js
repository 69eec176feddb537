// Replays the core's Canvas 2D draw commands (docs/render.md) on a 2D context: a mini-program
// <canvas type="2d"> node's or an HTML canvas's. Coordinates are CSS pixels; the caller sizes
// the canvas and scales the context by the pixel ratio (drawOnCanvas does both).

export const POSTER_SIZE = { width: 375, height: 640 };
const DEFAULT_FONT = '-apple-system, "PingFang SC", "Helvetica Neue", sans-serif';

function roundRect(ctx, x, y, w, h, r) {
  const rr = Math.min(r, w / 2, h / 2);
  ctx.beginPath();
  ctx.moveTo(x + rr, y);
  ctx.arcTo(x + w, y, x + w, y + h, rr);
  ctx.arcTo(x + w, y + h, x, y + h, rr);
  ctx.arcTo(x, y + h, x, y, rr);
  ctx.arcTo(x, y, x + w, y, rr);
  ctx.closePath();
}

/** Draws `commands` (an array, or its JSON text) on `ctx`. Unknown commands throw. */
export function drawCommands(ctx, commands, { fontFamily = DEFAULT_FONT } = {}) {
  const list = typeof commands === 'string' ? JSON.parse(commands) : commands;
  for (const [op, ...a] of list) {
    switch (op) {
      case 'fill':
        ctx.fillStyle = a[0];
        break;
      case 'rect':
        if (a[4] > 0) {
          roundRect(ctx, a[0], a[1], a[2], a[3], a[4]);
          ctx.fill();
        } else ctx.fillRect(a[0], a[1], a[2], a[3]);
        break;
      case 'stroke':
        ctx.strokeStyle = a[0];
        ctx.lineWidth = a[1];
        break;
      case 'strokeRect':
        roundRect(ctx, a[0], a[1], a[2], a[3], a[4]);
        ctx.stroke();
        break;
      case 'font':
        ctx.font = `${a[1]} ${a[0]}px ${fontFamily}`;
        break;
      case 'text':
        ctx.textAlign = a[3];
        ctx.textBaseline = 'middle';
        ctx.fillText(a[0], a[1], a[2]);
        break;
      default:
        throw new Error(`unknown draw command ${op}`);
    }
  }
}

/** Sizes `canvas` for the poster at `pixelRatio`, scales its 2D context and draws. */
export function drawOnCanvas(canvas, commands, { pixelRatio = 1, ...options } = {}) {
  canvas.width = POSTER_SIZE.width * pixelRatio;
  canvas.height = POSTER_SIZE.height * pixelRatio;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.scale(pixelRatio, pixelRatio);
  drawCommands(ctx, commands, options);
  return ctx;
}
