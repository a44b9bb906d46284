// Mini App entry: the shell the product screens mount into (they arrive with their issues).
import { render } from "preact";

function Shell() {
  return (
    <main>
      <h1>Marketplace</h1>
      <p>Loading…</p>
    </main>
  );
}

const root = document.getElementById("app");
if (root) render(<Shell />, root);
