/// <reference lib="dom" />
// Mini App entry: apply Telegram's theme, tell the client we are ready, render the shell.
import "./mini_app.css";
import { render } from "preact";
import { readLaunchParams } from "../shared/launch_params.ts";
import { onEvent, postEvent } from "../shared/telegram_bridge.ts";
import { applyTheme } from "./theme.ts";
import { App } from "./app.tsx";

const launch = readLaunchParams();
applyTheme(launch.themeParams);
onEvent("theme_changed", ({ theme_params }) => applyTheme(theme_params ?? {}));

const root = document.getElementById("app");
if (root) render(<App initData={launch.initData} />, root);
postEvent("web_app_ready");
postEvent("web_app_expand");
