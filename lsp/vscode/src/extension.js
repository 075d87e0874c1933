// biaslsp for VS Code: starts `biaslsp --stdio` and forwards the biaslsp.* settings.
// Bundled with esbuild into dist/extension.js (`npm run compile`); `vscode` stays external.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;
let status;
const summaries = new Map(); // document uri -> latest biaslsp/summary for it

function config() {
  return vscode.workspace.getConfiguration("biaslsp");
}

function settings() {
  const cfg = config();
  const out = {};
  for (const key of ["categories", "thresholds", "allow", "deny", "severity", "include", "exclude",
    "debounce", "maxDocumentSize", "serverUrl", "serverToken"]) {
    out[key] = cfg.get(key);
  }
  return out;
}

// The status bar follows the active editor: its own document's score, or nothing.
function showStatus() {
  const editor = vscode.window.activeTextEditor;
  const summary = editor && summaries.get(editor.document.uri.toString());
  if (!client || !summary) {
    status.hide();
    return;
  }
  const counts = Object.entries(summary.counts || {}).filter(([, n]) => n > 0).map(([l, n]) => `${l} ${n}`);
  status.text = `$(checklist) ${summary.score}/100`;
  status.tooltip = `biaslsp inclusiveness score of this document${counts.length ? ": " + counts.join(", ") : ": no findings"}`;
  status.command = "biaslsp.summary";
  status.show();
}

function start(context) {
  const cfg = config();
  const command = cfg.get("path") || "biaslsp";
  const onType = cfg.get("checkFrequency") !== "onSave";
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
    // pull diagnostics: while typing (onType) or only when the file is saved (onSave)
    diagnosticPullOptions: { onChange: onType, onSave: true },
    synchronize: {
      configurationSection: "biaslsp",
      fileEvents: vscode.workspace.createFileSystemWatcher("**/.biaslsp.toml"),
    },
  };
  client = new LanguageClient("biaslsp", "biaslsp", serverOptions, clientOptions);
  context.subscriptions.push(
    client.onNotification("biaslsp/summary", (summary) => {
      summaries.set(summary.uri, summary);
      showStatus();
    })
  );
  return client.start();
}

async function stop() {
  if (client) {
    const c = client;
    client = undefined;
    await c.stop();
  }
  summaries.clear();
  showStatus();
}

// Pull the active document's diagnostics now (the way to check a file in onSave mode).
async function checkDocument() {
  const editor = vscode.window.activeTextEditor;
  if (!client || !editor) {
    vscode.window.showInformationMessage("biaslsp: open a text, Markdown or HTML file (and enable biaslsp) to check it.");
    return;
  }
  const feature = client.getFeature("textDocument/diagnostic");
  const provider = feature && feature.getProvider(editor.document);
  if (provider) provider.onDidChangeDiagnosticsEmitter.fire();
}

async function showSummary() {
  const editor = vscode.window.activeTextEditor;
  if (!client || !editor) return;
  await client.sendRequest("workspace/executeCommand", {
    command: "biaslsp.showSummary",
    arguments: [editor.document.uri.toString()],
  });
}

async function activate(context) {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  context.subscriptions.push(
    status,
    vscode.window.onDidChangeActiveTextEditor(showStatus),
    vscode.workspace.onDidCloseTextDocument((doc) => summaries.delete(doc.uri.toString())),
    vscode.commands.registerCommand("biaslsp.restart", async () => {
      await stop();
      if (config().get("enable")) await start(context);
    }),
    vscode.commands.registerCommand("biaslsp.check", checkDocument),
    vscode.commands.registerCommand("biaslsp.summary", showSummary),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("biaslsp.enable") || e.affectsConfiguration("biaslsp.checkFrequency")
        || e.affectsConfiguration("biaslsp.path")) {
        await stop();
        if (config().get("enable")) await start(context);
      }
    })
  );
  if (config().get("enable")) await start(context);
}

async function deactivate() {
  await stop();
}

module.exports = { activate, deactivate };
