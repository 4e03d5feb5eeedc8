"""The WGSL of the WebGPU backend, shared by the browser (host/gpu.py) and native wgpu (golden tests).

Instances are pulled from read-only storage buffers by ``vertex_index / 6`` in one non-instanced draw
per batch: on SwiftShader real instancing costs ~13 µs per instance, 2–5× slower than this
(../shared/reference/render-floors.md). Output is premultiplied alpha.
"""

COMMON = """
struct View { size: vec2f, dpr: f32, pad: f32 };
@group(0) @binding(0) var<uniform> view: View;
const CORNERS = array<vec2f, 6>(vec2f(0.0, 0.0), vec2f(1.0, 0.0), vec2f(0.0, 1.0),
                                vec2f(0.0, 1.0), vec2f(1.0, 0.0), vec2f(1.0, 1.0));
fn clip_pos(px: vec2f) -> vec4f {
  return vec4f(px.x / view.size.x * 2.0 - 1.0, 1.0 - px.y / view.size.y * 2.0, 0.0, 1.0);
}
"""

#: Rounded rectangles: fill, border, and (kind 1) a soft shadow; a signed distance per pixel.
RECTS = COMMON + """
struct Rect { pos: vec4f, params: vec4f, fill: vec4f, border: vec4f };  // params: radius, border, blur, kind
@group(0) @binding(1) var<storage, read> rects: array<Rect>;
struct VOut { @builtin(position) p: vec4f, @location(0) local: vec2f, @location(1) @interpolate(flat) idx: u32 };

@vertex fn vs(@builtin(vertex_index) vi: u32) -> VOut {
  let r = rects[vi / 6u];
  let shadow = r.params.w > 0.5;
  let grow = select(1.0, r.params.z * 1.5 + 1.0, shadow);
  let center = r.pos.xy + r.pos.zw * 0.5 + select(vec2f(0.0), vec2f(0.0, 2.0), shadow);
  let px = r.pos.xy - vec2f(grow) + CORNERS[vi % 6u] * (r.pos.zw + vec2f(2.0 * grow))
           + select(vec2f(0.0), vec2f(0.0, 2.0), shadow);
  var out: VOut;
  out.p = clip_pos(px);
  out.local = px - center;
  out.idx = vi / 6u;
  return out;
}

fn sd_round_box(p: vec2f, half: vec2f, r: f32) -> f32 {
  let q = abs(p) - half + vec2f(r);
  return length(max(q, vec2f(0.0))) + min(max(q.x, q.y), 0.0) - r;
}

@fragment fn fs(in: VOut) -> @location(0) vec4f {
  let r = rects[in.idx];
  let half = r.pos.zw * 0.5;
  let radius = min(r.params.x, min(half.x, half.y));
  let d = sd_round_box(in.local, half, radius);
  if (r.params.w > 0.5) {
    let blur = max(r.params.z, 1.0);
    let a = r.fill.a * (1.0 - smoothstep(-blur * 0.5, blur, d));
    return vec4f(r.fill.rgb * a, a);
  }
  let aa = 0.5 / view.dpr;
  let inside = 1.0 - smoothstep(-aa, aa, d);
  var color = r.fill;
  if (r.params.y > 0.0) {
    let inner = 1.0 - smoothstep(-aa, aa, d + r.params.y);
    color = mix(r.border, r.fill, inner);
  }
  let a = color.a * inside;
  return vec4f(color.rgb * a, a);
}
"""

#: Text: one quad per text run, its coverage sampled from the glyph atlas and tinted. An image is a quad
#: with ``pad.x == 1``: its colour is sampled (unpremultiplied in the atlas) and premultiplied here.
TEXT = COMMON + """
struct Run { pos: vec4f, uv: vec4f, color: vec4f, pad: vec4f };
@group(0) @binding(1) var<storage, read> runs: array<Run>;
@group(0) @binding(2) var atlas: texture_2d<f32>;
@group(0) @binding(3) var atlas_sampler: sampler;
struct VOut { @builtin(position) p: vec4f, @location(0) uv: vec2f, @location(1) @interpolate(flat) idx: u32 };

@vertex fn vs(@builtin(vertex_index) vi: u32) -> VOut {
  let r = runs[vi / 6u];
  let c = CORNERS[vi % 6u];
  var out: VOut;
  out.p = clip_pos(r.pos.xy + c * r.pos.zw);
  out.uv = mix(r.uv.xy, r.uv.zw, c);
  out.idx = vi / 6u;
  return out;
}

@fragment fn fs(in: VOut) -> @location(0) vec4f {
  let r = runs[in.idx];
  let t = textureSampleLevel(atlas, atlas_sampler, in.uv, 0.0);
  if (r.pad.x > 0.5) {
    let ia = t.a * r.color.a;
    return vec4f(t.rgb * ia, ia);
  }
  let a = t.a * r.color.a;
  return vec4f(r.color.rgb * a, a);
}
"""
