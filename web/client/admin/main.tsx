/// <reference lib="dom" />
// Admin console entry.
import "./admin.css";
import { render } from "preact";
import { App } from "./app.tsx";

const root = document.getElementById("admin");
if (root) render(<App />, root);
