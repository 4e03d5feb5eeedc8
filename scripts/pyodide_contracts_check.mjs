// Runs the contracts inside Pyodide (Node.js): imports every openagents_proto module with the
// pure-Python protobuf wheel and msgspec's pyemscripten wheel, checks the payload-hash vectors,
// a Khala frame round trip and a control vector through the bridge, and times decode_frame of a
// 200-update batch with the fastwire reader and with protobuf's own pure-Python parser.
//
//   node scripts/pyodide_contracts_check.mjs <dir with pyodide.mjs> <protobuf.whl> <msgspec.whl>
//
// The Pyodide runtime and the wheels come from the shell build (build/); nothing is fetched here.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const [pyodideDir, ...wheels] = process.argv.slice(2);
if (!pyodideDir || wheels.length === 0) {
  console.error("usage: node scripts/pyodide_contracts_check.mjs <pyodide dir> <wheel>...");
  process.exit(2);
}
const { loadPyodide } = await import(pathToFileURL(join(resolve(pyodideDir), "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: resolve(pyodideDir) + "/" });
await pyodide.loadPackage(wheels.map((w) => resolve(w)));

function copyTree(src, dest) {
  pyodide.FS.mkdirTree(dest);
  for (const name of readdirSync(src)) {
    if (name === "__pycache__") continue;
    const path = join(src, name);
    if (statSync(path).isDirectory()) copyTree(path, `${dest}/${name}`);
    else pyodide.FS.writeFile(`${dest}/${name}`, readFileSync(path));
  }
}
copyTree(join(repo, "proto", "openagents_proto"), "/contracts/openagents_proto");
pyodide.FS.writeFile("/contracts/vectors.json",
  readFileSync(join(repo, "tests", "fixtures", "protocol", "khala_payload_hash_vectors.v1.json")));
pyodide.FS.writeFile("/contracts/control.json",
  readFileSync(join(repo, "tests", "fixtures", "protocol", "control-auth-session-v1.json")));

const report = await pyodide.runPythonAsync(`
import sys, json, pkgutil, importlib, platform
sys.path.insert(0, "/contracts")
from google.protobuf.internal import api_implementation
import openagents_proto
names = [m.name for m in pkgutil.walk_packages(openagents_proto.__path__, "openagents_proto.")]
for name in names:
    importlib.import_module(name)
from openagents_proto.canonical import canonical_json, payload_hash
vectors = json.load(open("/contracts/vectors.json"))["vectors"]
hashes_ok = sum(payload_hash(v["payload"]) == v["sha256"] and canonical_json(v["payload"]).decode() == v["canonical_json"]
                for v in vectors)
from openagents_proto.sync import convert, domain
batch = domain.UpdateBatch(updates=tuple(domain.Update.build(topic="run:1:events", doc_key=f"k{i}", doc_version=i,
                                                             body={"i": i}, watermark=i) for i in range(1, 201)),
                           replay_complete=True)
frame = domain.Frame.batch("run:1:events", batch)
assert convert.decode_frame(convert.encode_frame(frame), max_bytes=None) == frame
from openagents_proto import bridge
from openagents_proto.control import domain as control
from openagents_proto.control.v1 import auth_pb2
verify = bridge.from_json(json.load(open("/contracts/control.json"))["auth_verify_success"],
                          auth_pb2.AuthVerifyResponse, control.AuthVerifyResponse)
import time
def best_us(fn, rounds=7, per_round=5):
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        best = min(best, (time.perf_counter() - start) / per_round * 1e6)
    return round(best)
body = lambda i: {"run_id": "019c7f31", "seq": i, "type": "run.step", "status": "running",
                  "step": {"index": i, "tool": "shell", "summary": f"step {i}: ran tests, {i % 7} failures"},
                  "tokens": {"input": 1200 + i, "output": 300 + i % 50, "cached": 0}, "tags": ["codex", "autopilot", "desktop"]}
big = domain.Frame.batch("run:1:events", domain.UpdateBatch(updates=tuple(
    domain.Update.build(topic="run:1:events", doc_key=f"k{i}", doc_version=i, body=body(i), watermark=i)
    for i in range(1, 201)), replay_complete=True))
data = convert.encode_frame(big)
decode_fast = best_us(lambda: convert.decode_frame(data, max_bytes=None))
convert.FAST_BATCH_DECODE = False
decode_generic = best_us(lambda: convert.decode_frame(data, max_bytes=None))
convert.FAST_BATCH_DECODE = True
json.dumps({"python": platform.python_version(), "protobuf_backend": api_implementation.Type(),
            "modules": len(names), "hash_vectors_ok": f"{hashes_ok}/{len(vectors)}",
            "frame_round_trip": True, "control_vector": verify.session.status.value,
            "decode_200_update_batch_us": {"fastwire": decode_fast, "protobuf_pure_python": decode_generic}})
`);
console.log(report);
const result = JSON.parse(report);
process.exit(result.protobuf_backend === "python" && result.hash_vectors_ok === "5/5" ? 0 : 1);
