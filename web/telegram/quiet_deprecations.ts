// grammY's npm build loads node-fetch, which requires the deprecated `punycode` module; Node's
// warning about it would be the first line of every start. Imported before anything loads grammY.
import process from "node:process";

(process as { noDeprecation?: boolean }).noDeprecation = true;
