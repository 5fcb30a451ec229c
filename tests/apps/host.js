// The test host page's script (bundled by run.mjs): a web host as the MCP Apps spec
// describes one. It connects to the server with the MCP client (declaring MCP Apps),
// finds the tool's view through `_meta.ui.resourceUri`, reads it, renders it in a
// sandbox proxy on another origin (sandbox.html) through the ext-apps AppBridge, then
// calls the tool and hands the view its input and result. The view's own tool calls
// go through the bridge to the server. Everything observed lands in `window.__report`.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  AppBridge,
  PostMessageTransport,
  RESOURCE_MIME_TYPE,
  getToolUiResourceUri,
} from "@modelcontextprotocol/ext-apps/app-bridge";

const report = (window.__report = { steps: [], errors: [], logs: [] });
const HOST = { name: "mcpserve-test-host", version: "1.0.0" };

async function main() {
  const q = new URLSearchParams(location.search);
  const toolName = q.get("tool");
  const args = JSON.parse(q.get("args") ?? "{}");

  const client = new Client(HOST, {
    capabilities: {
      extensions: { "io.modelcontextprotocol/ui": { mimeTypes: [RESOURCE_MIME_TYPE] } },
    },
  });
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", location.href)));
  report.server = client.getServerVersion();
  report.serverExtensions = client.getServerCapabilities()?.extensions ?? null;
  report.steps.push("connected");

  const { tools } = await client.listTools();
  report.tools = tools.map((t) => ({ name: t.name, ui: t._meta?.ui ?? null }));
  const tool = tools.find((t) => t.name === toolName);
  if (!tool) throw new Error(`no tool ${toolName}`);
  const uri = getToolUiResourceUri(tool);
  if (!uri) throw new Error(`tool ${toolName} names no view`);

  const read = await client.readResource({ uri });
  const content = read.contents[0];
  report.resource = {
    count: read.contents.length,
    uri: content.uri,
    mimeType: content.mimeType,
    meta: content._meta ?? null,
    isHtml: typeof content.text === "string" && content.text.startsWith("<!doctype html>"),
  };
  if (content.mimeType !== RESOURCE_MIME_TYPE) {
    throw new Error(`view served as ${content.mimeType}`);
  }
  const ui = content._meta?.ui ?? {};
  report.steps.push("view read");

  const iframe = document.createElement("iframe");
  iframe.id = "view";
  iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms");
  if (ui.prefersBorder) iframe.classList.add("bordered");
  document.getElementById("apps").append(iframe);
  const proxyReady = new Promise((resolve) => {
    window.addEventListener("message", function listener(e) {
      if (e.source === iframe.contentWindow && e.data?.method === "ui/notifications/sandbox-proxy-ready") {
        window.removeEventListener("message", listener);
        resolve();
      }
    });
  });
  const sandbox = new URL(q.get("sandbox"));
  if (ui.csp) sandbox.searchParams.set("csp", JSON.stringify(ui.csp));
  iframe.src = sandbox.href;
  await proxyReady;
  report.steps.push("sandbox ready");

  const caps = client.getServerCapabilities() ?? {};
  const bridge = new AppBridge(client, HOST, {
    serverTools: caps.tools ?? {},
    serverResources: caps.resources ?? {},
    logging: {},
  });
  bridge.onloggingmessage = (p) => report.logs.push(p);
  bridge.onsizechange = ({ height }) => {
    if (height !== undefined) iframe.style.height = `${height}px`;
  };
  const initialized = new Promise((resolve) => {
    bridge.oninitialized = resolve;
  });
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  await bridge.sendSandboxResourceReady({
    html: content.text,
    csp: ui.csp,
    permissions: ui.permissions,
  });
  await initialized;
  report.steps.push("view initialized");

  await bridge.sendToolInput({ arguments: args });
  const result = await client.callTool({ name: toolName, arguments: args });
  report.result = result.structuredContent ?? null;
  await bridge.sendToolResult(result);
  report.steps.push("result sent");
}

main()
  .catch((e) => report.errors.push(String(e?.stack ?? e)))
  .finally(() => {
    report.hostDone = true;
  });
