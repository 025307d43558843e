// Runs first in `npm start`, `npm test` and `switchyard-runner`: on a Node older than the engines
// field of runner/package.json allows, one readable line and exit code 1, instead of a failure deep
// inside a tool. Plain CommonJS in old syntax on purpose, so that any Node can parse it.
"use strict";

var wanted = /(\d+)\.(\d+)/.exec(require("./package.json").engines.node);
var needMajor = Number(wanted[1]);
var needMinor = Number(wanted[2]);
var have = process.versions.node.split(".");
var major = Number(have[0]);
var minor = Number(have[1]);

if (major < needMajor || (major === needMajor && minor < needMinor)) {
  var need = needMajor + "." + needMinor;
  process.stderr.write("Switchyard needs Node " + need + " or later (this is " + process.version + ")\n");
  process.exit(1);
}
