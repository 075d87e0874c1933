// biaslsp for VS Code: starts `biaslsp --stdio` and forwards the biaslsp.* settings.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function settings() {
  const cfg = vscode.workspace.getConfiguration("biaslsp");
  const out = {};
  for (const key of ["categories", "thresholds", "allow", "deny", "severity", "include", "exclude",
    "debounce", "maxDocumentSize", "serverUrl", "serverToken"]) {
    out[key] = cfg.get(key);
  }
  return out;
}

function start(context) {
  const command = vscode.workspace.getConfiguration("biaslsp").get("path") || "biaslsp";
  const serverOptions = {
    run: { command, args: ["--stdio"], transport: TransportKind.stdio },
    debug: { command, args: ["--stdio", "-v"], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [
      { language: "plaintext" },
      { language: "markdown" },
      { language: "html" },
    ],
    initializationOptions: settings(),
    synchronize: {
      configurationSection: "biaslsp",
      fileEvents: vscode.workspace.createFileSystemWatcher("**/.biaslsp.toml"),
    },
  };
  client = new LanguageClient("biaslsp", "biaslsp", serverOptions, clientOptions);
  context.subscriptions.push(
    client.onNotification("biaslsp/summary", (summary) => {
      // the code lens shows the score; keep the latest summary for the status bar
      status.text = `$(checklist) ${summary.score}/100`;
      status.tooltip = "biaslsp inclusiveness score";
      status.show();
    })
  );
  return client.start();
}

let status;

async function activate(context) {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  context.subscriptions.push(status);
  context.subscriptions.push(
    vscode.commands.registerCommand("biaslsp.restart", async () => {
      if (client) await client.stop();
      await start(context);
    })
  );
  await start(context);
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
