// The demo page: shows the flight's frames, sends the user's input, reports fps and latency.
// Protocol (see infinite_nature/demo/protocol.py): JSON text commands out; frames in as one
// binary message each ([4-byte big-endian header length][JSON header][JPEG]), acked once drawn.
"use strict";

const $ = (id) => document.getElementById(id);
const view = $("view");
const context = view.getContext("2d");
const stats = { frames: 0, lastFrame: null, lastSeq: 0, latencies: [], fps: 0, errors: [], recordings: [] };
window.demoStats = stats; // read by the browser tests

let socket = null;
let seq = 0;
let maxUploadBytes = 20 * 1024 * 1024;
let autopilot = true;
let paused = false;
let recording = false;
const pending = new Map(); // input seq -> time sent
const frameTimes = [];

function say(text, isError = false) {
  $("message").textContent = text;
  $("message").classList.toggle("error", isError);
  if (isError) stats.errors.push(text);
}

function send(command, input = true) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  if (input) {
    command.seq = ++seq;
    stats.lastSeq = seq;
    pending.set(seq, performance.now());
  }
  socket.send(JSON.stringify(command));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => (typeof event.data === "string" ? onText(JSON.parse(event.data)) : onFrame(event.data));
  socket.onclose = (event) => {
    // busy, idle and crash messages arrive before the close and stay on screen
    if (!$("message").classList.contains("error")) say(`Disconnected from the server (code ${event.code}). Reload the page to fly again.`, true);
    document.body.dataset.connected = "false";
  };
  socket.onopen = () => { document.body.dataset.connected = "true"; };
}

function showSource(source) {
  $("source").textContent = `${source.kind === "world" ? "world" : "photo"} ${source.name} · ${source.width}×${source.height}`;
  document.body.dataset.source = source.name;
  if (Number.isInteger(source.seed)) $("seed").value = source.seed;  // the world flying now
}

function onText(message) {
  switch (message.type) {
    case "hello":
      showSource(message.source);
      maxUploadBytes = message.max_upload_bytes;
      say("Flying. Steer with the arrow keys or the mouse.");
      break;
    case "source":
      showSource(message);
      say(`Flying from ${message.name}.`);
      break;
    case "status":
      say(message.message);
      break;
    case "recording":
      if (message.state === "ready") {
        const link = $("download");
        link.href = message.url;
        link.textContent = `Download mp4 (${message.frames} frames)`;
        link.hidden = false;
        stats.recordings.push(message.url);
        setRecording(false);
        say("Recording ready.");
      }
      break;
    case "busy":
    case "idle":
      say(message.message, true);
      break;
    case "error":
      say(message.message, true);
      break;
    default:
      console.warn("unknown message", message);
  }
}

async function onFrame(buffer) {
  const length = new DataView(buffer).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const bitmap = await createImageBitmap(new Blob([new Uint8Array(buffer, 4 + length)], { type: "image/jpeg" }));
  if (view.width !== bitmap.width || view.height !== bitmap.height) {
    view.width = bitmap.width;
    view.height = bitmap.height;
  }
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  socket.send(JSON.stringify({ type: "ack", frame: header.number }));
  const now = performance.now();
  for (const [inputSeq, sentAt] of pending) {
    if (inputSeq <= header.seq) {
      if (inputSeq === header.seq) recordLatency(now - sentAt);
      pending.delete(inputSeq);
    }
  }
  frameTimes.push(now);
  while (frameTimes.length && now - frameTimes[0] > 2000) frameTimes.shift();
  stats.fps = frameTimes.length > 1 ? (1000 * (frameTimes.length - 1)) / (now - frameTimes[0]) : 0;
  stats.frames += 1;
  stats.lastFrame = header;
  view.dataset.frame = header.index;
  $("frame").textContent = `${header.index}${header.recovering ? " (recovering)" : ""}`;
  $("fps").textContent = stats.fps.toFixed(1);
  $("heading").textContent = `yaw ${header.yaw.toFixed(1)}°, pitch ${header.pitch.toFixed(1)}°`;
  $("speed").textContent = `speed ${header.speed.toFixed(3)}`;
  setAutopilot(header.autopilot);
  setPaused(header.paused);
}

function recordLatency(ms) {
  stats.latencies.push(ms);
  if (stats.latencies.length > 50) stats.latencies.shift();
  const sorted = [...stats.latencies].sort((a, b) => a - b);
  $("latency").textContent = `${ms.toFixed(0)} ms (median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms)`;
}

function setAutopilot(on) {
  autopilot = on;
  $("autopilot").setAttribute("aria-pressed", String(on));
  $("autopilot").textContent = `Auto-pilot: ${on ? "on" : "off"}`;
}

function setPaused(on) {
  paused = on;
  $("pause").setAttribute("aria-pressed", String(on));
  $("pause").textContent = on ? "Resume" : "Pause";
}

function setRecording(on) {
  recording = on;
  $("record").setAttribute("aria-pressed", String(on));
  $("record").textContent = on ? "Stop recording" : "Record";
}

// Keyboard: arrows/WASD steer (x: turn, y: up/down); the server decays the offset back to 0.
const held = new Set();
const STEER_KEYS = { ArrowLeft: [-1, 0], a: [-1, 0], ArrowRight: [1, 0], d: [1, 0], ArrowUp: [0, -1], w: [0, -1], ArrowDown: [0, 1], s: [0, 1] };

function steerFromKeys() {
  let x = 0, y = 0;
  for (const key of held) { x += STEER_KEYS[key][0]; y += STEER_KEYS[key][1]; }
  send({ type: "steer", x: Math.max(-1, Math.min(1, x)), y: Math.max(-1, Math.min(1, y)) });
}

document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement) return;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (key in STEER_KEYS) { held.add(key); steerFromKeys(); }
  else if (key === "+" || key === "=") send({ type: "speed", factor: 1.25 });
  else if (key === "-" || key === "_") send({ type: "speed", factor: 0.8 });
  else if (key === " ") togglePause();
  else if (key === ".") send({ type: "step" });
  else if (key === "r") send({ type: "restart" });
  else if (key === "p") toggleAutopilot();
  else return;
  event.preventDefault();
});
document.addEventListener("keyup", (event) => held.delete(event.key.length === 1 ? event.key.toLowerCase() : event.key));

// Mouse: a click or drag sets the steering offset from the view's centre.
let dragging = false;
function steerFromPointer(event) {
  const box = view.getBoundingClientRect();
  const x = (2 * (event.clientX - box.left)) / box.width - 1;
  const y = (2 * (event.clientY - box.top)) / box.height - 1;
  send({ type: "steer", x: Math.max(-1, Math.min(1, x)), y: Math.max(-1, Math.min(1, y)) });
}
view.addEventListener("pointerdown", (event) => { dragging = true; view.setPointerCapture(event.pointerId); steerFromPointer(event); });
view.addEventListener("pointermove", (event) => { if (dragging) steerFromPointer(event); });
view.addEventListener("pointerup", () => { dragging = false; });

function toggleAutopilot() { send({ type: "autopilot", on: !autopilot }); setAutopilot(!autopilot); }
function togglePause() { send({ type: "pause", on: !paused }); setPaused(!paused); }
$("autopilot").onclick = toggleAutopilot;
$("pause").onclick = togglePause;
$("step").onclick = () => send({ type: "step" });
$("restart").onclick = () => send({ type: "restart" });
$("faster").onclick = () => send({ type: "speed", factor: 1.25 });
$("slower").onclick = () => send({ type: "speed", factor: 0.8 });
$("record").onclick = () => { send({ type: "record", on: !recording }); setRecording(!recording); if (recording) say("Recording…"); };

function flyWorld(seed) {
  if (!Number.isInteger(seed) || seed < 0 || seed > 2147483647) { say("A world seed is a whole number from 0 to 2147483647.", true); return; }
  say(`Building world ${seed}…`);
  send({ type: "world", seed });
}
$("fly-world").onclick = () => flyWorld(Number($("seed").value));
$("random-world").onclick = () => { const seed = Math.floor(Math.random() * 100000); $("seed").value = seed; flyWorld(seed); };

// Photos: file picker or drag-and-drop; sent as one binary message after naming it.
async function upload(file) {
  if (!file) return;
  if (!/^image\/(png|jpeg|webp)$/.test(file.type)) { say(`${file.name}: not a PNG, JPEG or WebP image.`, true); return; }
  if (file.size > maxUploadBytes) { say(`${file.name}: ${(file.size / 2 ** 20).toFixed(1)} MB is over the ${(maxUploadBytes / 2 ** 20).toFixed(0)} MB limit.`, true); return; }
  say(`Uploading ${file.name}…`);
  send({ type: "upload", name: file.name });
  socket.send(await file.arrayBuffer());
}
$("file").onchange = (event) => { upload(event.target.files[0]); event.target.value = ""; };
const stage = $("stage");
stage.addEventListener("dragover", (event) => { event.preventDefault(); stage.classList.add("dragging"); $("drop-hint").hidden = false; });
stage.addEventListener("dragleave", () => { stage.classList.remove("dragging"); $("drop-hint").hidden = true; });
stage.addEventListener("drop", (event) => {
  event.preventDefault();
  stage.classList.remove("dragging");
  $("drop-hint").hidden = true;
  upload(event.dataTransfer.files[0]);
});

setInterval(() => send({ type: "ping" }, false), 15000);
connect();
