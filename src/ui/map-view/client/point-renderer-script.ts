/**
 * Browser code (plain JS, shipped inline): draws every point with WebGL as `gl.POINTS` from one
 * position buffer and one colour buffer, moved by a single uniform transform, so panning and
 * zooming 400K points costs one draw call and no re-upload. The canvas is sized in device pixels
 * (devicePixelRatio) so points stay sharp on HiDPI screens. Where WebGL is unavailable, a Canvas2D
 * fallback draws the same points, slower.
 *
 * Defines `createPointRenderer(canvas, xy, count)` → `{ kind, setColors(rgba), draw(view, width, height, dpr, size) }`,
 * where `view` is `{ cx, cy, scale }`: the data point at the centre and CSS pixels per data unit.
 */
export const POINT_RENDERER_SCRIPT = String.raw`
function createPointRenderer(canvas, xy, count) {
  var gl = null;
  try { gl = canvas.getContext("webgl", { antialias: false, alpha: true, premultipliedAlpha: false, preserveDrawingBuffer: false }); } catch (e) { gl = null; }
  if (!gl) return createCanvasRenderer(canvas, xy, count);
  var vertex = "attribute vec2 a_position; attribute vec4 a_color; uniform vec4 u_transform; uniform float u_size; varying vec4 v_color;" +
    "void main() { gl_Position = vec4(a_position * u_transform.xy + u_transform.zw, 0.0, 1.0); gl_PointSize = u_size; v_color = a_color; }";
  var fragment = "precision mediump float; varying vec4 v_color;" +
    "void main() { vec2 d = gl_PointCoord - vec2(0.5); if (dot(d, d) > 0.25) discard; gl_FragColor = v_color; }";
  function shader(type, source) {
    var s = gl.createShader(type); gl.shaderSource(s, source); gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error("shader: " + gl.getShaderInfoLog(s));
    return s;
  }
  var program = gl.createProgram();
  gl.attachShader(program, shader(gl.VERTEX_SHADER, vertex)); gl.attachShader(program, shader(gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) return createCanvasRenderer(canvas, xy, count);
  gl.useProgram(program);
  var positions = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, positions);
  gl.bufferData(gl.ARRAY_BUFFER, xy.subarray(0, 2 * count), gl.STATIC_DRAW);
  var aPosition = gl.getAttribLocation(program, "a_position");
  gl.enableVertexAttribArray(aPosition); gl.vertexAttribPointer(aPosition, 2, gl.FLOAT, false, 0, 0);
  var colors = gl.createBuffer();
  var aColor = gl.getAttribLocation(program, "a_color");
  gl.bindBuffer(gl.ARRAY_BUFFER, colors);
  gl.bufferData(gl.ARRAY_BUFFER, new Uint8Array(4 * count), gl.DYNAMIC_DRAW);
  gl.enableVertexAttribArray(aColor); gl.vertexAttribPointer(aColor, 4, gl.UNSIGNED_BYTE, true, 0, 0);
  var uTransform = gl.getUniformLocation(program, "u_transform"), uSize = gl.getUniformLocation(program, "u_size");
  var sizeRange = gl.getParameter(gl.ALIASED_POINT_SIZE_RANGE);
  gl.enable(gl.BLEND); gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
  return {
    kind: "webgl",
    setColors: function (rgba) { gl.bindBuffer(gl.ARRAY_BUFFER, colors); gl.bufferSubData(gl.ARRAY_BUFFER, 0, rgba); },
    draw: function (view, width, height, dpr, size) {
      var w = Math.max(1, Math.round(width * dpr)), h = Math.max(1, Math.round(height * dpr));
      if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
      gl.viewport(0, 0, w, h);
      gl.clearColor(0, 0, 0, 0); gl.clear(gl.COLOR_BUFFER_BIT);
      var sx = (2 * view.scale) / width, sy = (2 * view.scale) / height;
      gl.uniform4f(uTransform, sx, sy, -view.cx * sx, -view.cy * sy);
      gl.uniform1f(uSize, Math.min(sizeRange[1], Math.max(1, size * dpr)));
      gl.drawArrays(gl.POINTS, 0, count);
    }
  };
}

function createCanvasRenderer(canvas, xy, count) {
  var ctx = canvas.getContext("2d"), rgba = new Uint8Array(4 * count);
  return {
    kind: "canvas2d",
    setColors: function (colors) { rgba = colors; },
    draw: function (view, width, height, dpr, size) {
      var w = Math.max(1, Math.round(width * dpr)), h = Math.max(1, Math.round(height * dpr));
      if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.clearRect(0, 0, width, height);
      var half = size / 2;
      for (var i = 0; i < count; i++) {
        if (rgba[4 * i + 3] === 0) continue;
        var x = (xy[2 * i] - view.cx) * view.scale + width / 2, y = height / 2 - (xy[2 * i + 1] - view.cy) * view.scale;
        if (x < -size || y < -size || x > width + size || y > height + size) continue;
        ctx.fillStyle = "rgba(" + rgba[4 * i] + "," + rgba[4 * i + 1] + "," + rgba[4 * i + 2] + "," + (rgba[4 * i + 3] / 255) + ")";
        ctx.fillRect(x - half, y - half, size, size);
      }
    }
  };
}
`;
