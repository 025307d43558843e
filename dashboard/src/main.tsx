// The dashboard's entry: finds out whether a session exists, then shows sign-in or the app.
import { render } from "preact";
import { App } from "./app.tsx";

render(<App />, document.getElementById("app")!);
