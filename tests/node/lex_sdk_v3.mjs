// Drives `chat-lex lex-serve` with the AWS SDK for JavaScript v3 in its default configuration
// (NodeHttp2Handler: HTTP/2 over cleartext, prior knowledge), as aws-lex-web-ui and Node back ends do.
// Usage: node tests/node/lex_sdk_v3.mjs <endpoint-url> <botId> <sessionId>; prints one JSON object.
import { gunzipSync, gzipSync } from "node:zlib";
import {
  DeleteSessionCommand,
  GetSessionCommand,
  LexRuntimeV2Client,
  PutSessionCommand,
  RecognizeTextCommand,
  RecognizeUtteranceCommand,
} from "@aws-sdk/client-lex-runtime-v2";

const [endpoint, botId, sessionId] = process.argv.slice(2);
const client = new LexRuntimeV2Client({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "chat-lex-local", secretAccessKey: "chat-lex-local" },
  maxAttempts: 1,
});
const ids = { botId, botAliasId: "TSTALIASID", localeId: "en_US", sessionId };
const unpack = (header) => (header ? JSON.parse(gunzipSync(Buffer.from(header, "base64")).toString("utf-8")) : null);
const pack = (value) => gzipSync(Buffer.from(JSON.stringify(value), "utf-8")).toString("base64");
const out = { handler: client.config.requestHandler?.constructor?.name ?? null };

try {
  const text = await client.send(new RecognizeTextCommand({ ...ids, text: "check my status", requestAttributes: { a: "b" } }));
  out.recognizeText = {
    messages: text.messages.map((m) => m.content ?? m.imageResponseCard?.title),
    dialogAction: text.sessionState.dialogAction,
    intent: text.interpretations[0].intent.name,
    requestAttributes: text.requestAttributes,
  };
  const utterance = await client.send(
    new RecognizeUtteranceCommand({
      ...ids,
      requestContentType: "text/plain; charset=utf-8",
      responseContentType: "text/plain; charset=utf-8",
      inputStream: Buffer.from("order", "utf-8"),
      sessionState: pack(text.sessionState),
    }),
  );
  const audio = utterance.audioStream ? await utterance.audioStream.transformToByteArray() : new Uint8Array();
  out.recognizeUtterance = {
    contentType: utterance.contentType,
    inputMode: utterance.inputMode,
    inputTranscript: unpack(utterance.inputTranscript),
    messages: unpack(utterance.messages).map((m) => m.content),
    slots: unpack(utterance.sessionState).intent.slots,
    audioBytes: audio.length,
  };
  const put = await client.send(
    new PutSessionCommand({ ...ids, sessionState: { dialogAction: { type: "ElicitIntent" }, sessionAttributes: { k: "v" } } }),
  );
  const putAudio = put.audioStream ? await put.audioStream.transformToByteArray() : new Uint8Array();
  out.putSession = { contentType: put.contentType, sessionState: unpack(put.sessionState), audioBytes: putAudio.length };
  const got = await client.send(new GetSessionCommand(ids));
  out.getSession = { sessionId: got.sessionId, sessionAttributes: got.sessionState.sessionAttributes };
  const deleted = await client.send(new DeleteSessionCommand(ids));
  out.deleteSession = { sessionId: deleted.sessionId, botId: deleted.botId };
  try {
    await client.send(new GetSessionCommand(ids));
    out.afterDelete = "found";
  } catch (error) {
    out.afterDelete = error.name;
  }
  try {
    await client.send(
      new RecognizeUtteranceCommand({ ...ids, requestContentType: "audio/l16; rate=16000; channels=1", inputStream: Buffer.alloc(64) }),
    );
    out.audio = "accepted";
  } catch (error) {
    out.audio = { name: error.name, message: error.message };
  }
} catch (error) {
  out.error = { name: error.name, message: String(error.message) };
} finally {
  client.destroy();
}
console.log(JSON.stringify(out));
