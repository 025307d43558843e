// Child-process entry of the fake OpenAI chat-completions server (test/fixtures/fake-openai-chat.ts):
// reports its URLs when ready; the benchmark scripts turns through its HTTP control API.
import { startFakeOpenAiChat } from "../../test/fixtures/fake-openai-chat.ts";
import { serveChild } from "./child.ts";

const fake = await startFakeOpenAiChat();
serveChild({ url: fake.url, baseUrl: fake.baseUrl });
