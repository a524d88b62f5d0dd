// chat-lex Node.js code-hook worker: runs a Lambda handler for the local Lex V2 engine.
// A .cjs file: CommonJS whatever "type" the package.json of the folder around it declares.
// Usage: node node_bootstrap.js path/to/index.js [exportName]
// Protocol (docs/fulfillment.md): one Lex V2 event per stdin line; for each, stdout gets
// {"log": "..."} frames and then one {"response": {...}} or {"error": {...}} frame.
// console.* and process.stdout.write become log frames, so a handler's logging can never
// corrupt the protocol.
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const util = require('util');

const file = process.argv[2];
const exportName = process.argv[3] || 'handler';
const timeoutMs = Number(process.env.CHAT_LEX_HOOK_TIMEOUT_MS || 30000);
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME || path.basename(file || 'handler', path.extname(file || ''));

function writeAll(text) {
  const data = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(1, data, offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err; // a full non-blocking pipe: the reader will drain it
    }
  }
}
function send(frame) { writeAll(JSON.stringify(frame) + '\n'); }
function log(...args) { send({ log: util.format(...args) }); }
for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace']) console[name] = log;
process.stdout.write = (chunk, encoding, callback) => {
  const text = String(chunk).replace(/\n$/, '');
  if (text) send({ log: text });
  if (typeof encoding === 'function') encoding();
  else if (typeof callback === 'function') callback();
  return true;
};

if (!file) {
  process.stderr.write('usage: node node_bootstrap.js FILE [EXPORT]\n');
  process.exit(2);
}
// CommonJS with require; ES modules (.mjs, or "type": "module") with import().
async function loadHandler() {
  const resolved = path.resolve(file);
  let mod;
  try {
    mod = resolved.endsWith('.mjs') ? await import(require('url').pathToFileURL(resolved).href) : require(resolved);
  } catch (err) {
    if (err && err.code === 'ERR_REQUIRE_ESM') mod = await import(require('url').pathToFileURL(resolved).href);
    else throw err;
  }
  return mod[exportName];
}

let counter = 0;
function contextFor(deadline) {
  counter += 1;
  const id = `${process.pid}-${counter}`;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: id,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${process.pid}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function invoke(event) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      if (err) reject(err); else resolve(value);
    };
    const context = contextFor(Date.now() + timeoutMs);
    context.done = (err, value) => finish(err, value);
    context.succeed = (value) => finish(null, value);
    context.fail = (err) => finish(err || new Error('context.fail'));
    try {
      const out = handler(event, context, (err, value) => finish(err, value));
      if (out && typeof out.then === 'function') out.then((v) => finish(null, v), (e) => finish(e));
      else if (handler.length < 3 && out !== undefined) finish(null, out);
    } catch (err) {
      finish(err);
    }
  });
}

function errorFrame(err) {
  if (err instanceof Error) return { errorType: err.name || 'Error', errorMessage: err.message };
  return { errorType: 'Error', errorMessage: typeof err === 'string' ? err : JSON.stringify(err) };
}

let handler;
// Events are handled one after another, in order, as the engine sends them; the first waits for the module.
let chain = loadHandler().then(
  (found) => {
    if (typeof found !== 'function') {
      process.stderr.write(`${file} exports no function ${JSON.stringify(exportName)}\n`);
      process.exit(4);
    }
    handler = found;
  },
  (err) => {
    // The stack first, the one-line reason last: the engine shows the end of stderr.
    process.stderr.write(`${err && err.stack ? err.stack : err}\ncannot load ${file}: ${err && err.message ? err.message : err}\n`);
    process.exit(3);
  },
);
readline.createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  chain = chain.then(async () => {
    let event;
    try {
      event = JSON.parse(line);
    } catch (err) {
      send({ error: { errorType: 'InvalidEvent', errorMessage: `the event is not JSON: ${err.message}` } });
      return;
    }
    try {
      const response = await invoke(event);
      send({ response: response === undefined ? null : response });
    } catch (err) {
      send({ error: errorFrame(err) });
    }
  });
});
process.on('unhandledRejection', (reason) => { log('unhandled rejection:', reason); });
