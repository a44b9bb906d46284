// The platform as a child process for the broadcast crash test: configured by its environment,
// it says where it listens on stdout and runs until it is killed.
import { start } from "../../main.ts";
import { parseConfig } from "../../config.ts";
import { setLogLevel } from "../../log.ts";

const config = parseConfig(Deno.env.toObject());
setLogLevel(config.LOG_LEVEL);
const platform = await start(config);
console.log(JSON.stringify({ url: platform.url }));
